"""Reading a form page the way a browser does: what pressing its button sends again, and what
a conflict page shows as saved beside each field."""

import lxml.html


def _form(response):
    """The page's main form (the one that edits something; it has novalidate)."""
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    forms = [form for form in doc.forms if form.get("novalidate") is not None]
    assert forms, "no editing form on the page"
    return forms[0]


def resubmitted(response, **button) -> dict[str, str | list[str]]:
    """What the browser sends when the user presses the form's button without changing a thing.

    `button` names the pressed button and its value, e.g. spara="1".
    """
    form = _form(response)
    textareas = {textarea.name for textarea in form.xpath(".//textarea")}
    sent: dict[str, list[str]] = {}
    for name, value in form.form_values():
        # A browser drops the line break that follows <textarea>; lxml keeps it.
        sent.setdefault(name, []).append(value.removeprefix("\n") if name in textareas else value)
    data: dict[str, str | list[str]] = {
        name: values[0] if len(values) == 1 else values for name, values in sent.items()
    }
    data.update(button)
    return data


def saved_beside(response) -> dict[str, str]:
    """What a conflict page shows as saved now, by the name of the field it stands beside."""
    shown = {}
    for note in _form(response).xpath('.//*[contains(concat(" ", @class, " "), " field-saved ")]'):
        field_id = note.get("id").removesuffix("-saved")
        value = note.xpath('.//span[@class="pre-line"]')[0].text_content()
        shown[field_id] = value
    return shown
