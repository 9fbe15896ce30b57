"""Pages for follow-ups: recording a follow-up, contacts, the answer page.

The start page ("/", endpoint `followups.my_work`) is routed on this blueprint by
`systemfel.start.views`, which sits above meetings and reports.
"""

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from systemfel import once
from systemfel.access import current_scope, requires
from systemfel.auth.services import allow_request, count_request, counted_requests
from systemfel.brister import queries as brister_queries
from systemfel.brister import services as brister_services
from systemfel.brister.domain import Status, Utfall
from systemfel.brister.models import Brist
from systemfel.clock import local_today
from systemfel.dbtypes import utcnow
from systemfel.errors import FieldError, ValidationError
from systemfel.extensions import db
from systemfel.followups import services
from systemfel.followups.domain import EfterkontrollSvar, Kanal, SvarTyp
from systemfel.followups.forms import (
    BevakningForm,
    KontaktForm,
    MottagetForm,
    MoveForm,
    SvarForm,
)
from systemfel.followups.models import Efterkontroll, Kontakt
from systemfel.forms import BaseForm
from systemfel.formtools import run_on_form, run_verb, status_for, worded
from systemfel.i18n import N_
from systemfel.verksamheter.domain import Operation
from systemfel.verksamheter.models import Myndighet

blueprint = Blueprint("followups", __name__)


@blueprint.route("/brister/<int:brist_id>/uppfoljning", methods=["GET", "POST"])
@requires(Operation.WORK_BRISTER)
def record(brist_id: int):
    """Record a follow-up: what was found, and the next date or closing."""
    brist = brister_queries.brist_or_404(brist_id, current_scope())
    if brist.is_closed:
        flash(gettext("Bristen är stängd och har ingen bevakning."), "error")
        return redirect(url_for("brister.detail", brist_id=brist.id))
    form = BevakningForm()
    proposed = services.proposed_date(brist, local_today())
    current = services.open_bevakning(brist)
    if current is not None and current.due_on > proposed:
        proposed = current.due_on  # a later date, e.g. what a myndighet promised
    if request.method == "GET":
        form.next_on.data = proposed
    if form.validate_on_submit() and _valid_outcome(form, brist):
        if run_on_form(form, lambda: _record(form, brist)).ok:
            flash(gettext("Bevakningen är genomförd."), "success")
            return redirect(url_for("brister.detail", brist_id=brist.id))
    return render_template(
        "followups/record.html", brist=brist, form=form, proposed=proposed
    ), status_for(form)


def _valid_outcome(form: BevakningForm, brist: Brist) -> bool:
    """Closing needs the right and an outcome; going on needs a next date."""
    if form.close.data:
        if not current_scope().allows(Operation.CLOSE_BRISTER, brist.verksamhet_id):
            form.close.errors = [gettext("Bara samordnaren kan stänga en brist.")]
        elif not form.utfall.data:
            form.utfall.errors = [gettext("Välj ett utfall.")]
    elif form.next_on.data is None:
        form.next_on.errors = [gettext("Ange datum för nästa bevakning som ÅÅÅÅ-MM-DD.")]
    return not form.errors


def _record(form: BevakningForm, brist: Brist) -> None:
    if form.close.data:
        brister_services.close_brist(
            brist=brist,
            user=current_user,
            scope=current_scope(),
            utfall=Utfall(form.utfall.data),
            comment=form.finding.data,
            expected_version=brist.version,
        )
    else:
        services.record_bevakning(
            brist=brist,
            user=current_user,
            scope=current_scope(),
            finding=form.finding.data,
            next_on=form.next_on.data,
        )


@blueprint.route("/brister/<int:brist_id>/bevakning", methods=["GET", "POST"])
@requires(Operation.WORK_BRISTER)
def move(brist_id: int):
    """Give the open follow-up another date."""
    brist = brister_queries.brist_or_404(brist_id, current_scope())
    current = services.open_bevakning(brist)
    if current is None:
        flash(gettext("Bristen har ingen öppen bevakning."), "error")
        return redirect(url_for("brister.detail", brist_id=brist.id))
    form = MoveForm()
    if request.method == "GET":
        form.due_on.data = current.due_on
    if (
        form.validate_on_submit()
        and run_on_form(
            form,
            lambda: services.move_bevakning(
                brist=brist,
                user=current_user,
                scope=current_scope(),
                due_on=form.due_on.data,
                reason=form.reason.data or "",
            ),
        ).ok
    ):
        flash(gettext("Bevakningsdatumet är ändrat."), "success")
        return redirect(url_for("brister.detail", brist_id=brist.id))
    return render_template("followups/move.html", brist=brist, form=form), status_for(form)


@blueprint.route("/brister/<int:brist_id>/kontakt", methods=["GET", "POST"])
@requires(Operation.WORK_BRISTER)
def raise_contact(brist_id: int):
    """Record that the brist was raised with a myndighet, optionally sending it by e-mail."""
    brist = brister_queries.brist_or_404(brist_id, current_scope())
    form = KontaktForm()
    concerned = [brist.myndighet, *brist.other_myndigheter]
    form.myndighet_id.choices = [("", gettext("Välj myndighet"))] + [
        (m.id, m.namn) for m in concerned
    ]
    if request.method == "GET":
        form.myndighet_id.data = brist.myndighet_id
        form.contacted_on.data = local_today()
        form.kanal.data = Kanal.EPOST.value
    if form.validate_on_submit():
        if earlier := once.claim(form, current_user.id):
            return earlier
        if run_on_form(form, lambda: _raise(form, brist)).ok:
            flash(gettext("Kontakten med myndigheten är sparad."), "success")
            return once.saved(form, url_for("brister.detail", brist_id=brist.id))
        once.release(form)
    default_due = services.calendar().add_working_days(
        local_today(), current_app.config["ANSWER_WORKING_DAYS"]
    )
    # Sending needs a mailbox: with none among the brist's myndigheter it is not offered.
    without_mailbox = [m for m in concerned if not m.epost.strip()]
    can_send = len(without_mailbox) < len(concerned)
    if not can_send:
        form.send_email.render_kw = {"disabled": True, "aria-describedby": "send_email-hint"}
    return render_template(
        "followups/raise.html",
        brist=brist,
        form=form,
        default_due=default_due,
        concerned=concerned,
        without_mailbox=without_mailbox,
        can_send=can_send,
        may_add_mailbox=current_scope().allows(Operation.MANAGE_VERKSAMHET, brist.verksamhet_id),
    ), status_for(form)


def _raise(form: KontaktForm, brist: Brist) -> None:
    myndighet = db.session.get(Myndighet, form.myndighet_id.data)
    if myndighet is None:
        raise ValidationError(N_("Välj en av bristens myndigheter."), field="myndighet_id")
    services.raise_with_myndighet(
        brist=brist,
        user=current_user,
        scope=current_scope(),
        myndighet=myndighet,
        contacted_on=form.contacted_on.data,
        kanal=Kanal(form.kanal.data),
        summary=form.summary.data,
        send_email=form.send_email.data,
        answer_due_on=form.answer_due_on.data,
    )
    if brist.status == Status.REGISTRERAD:
        brister_services.move_brist(
            brist=brist,
            user=current_user,
            scope=current_scope(),
            to_status=Status.LYFT,
            comment="",
            expected_version=brist.version,
        )


@blueprint.route("/kontakter/<int:kontakt_id>/aterkalla", methods=["POST"])
@requires(Operation.WORK_BRISTER)
def revoke(kontakt_id: int):
    """Stop the answer links of a contact and its reminders."""
    kontakt = _kontakt_to_work(kontakt_id)
    outcome = run_verb(
        lambda: services.revoke_link(kontakt=kontakt, user=current_user, scope=current_scope())
    )
    if not outcome.ok:
        _flash_refusal(outcome.errors)
    else:
        flash(gettext("Svarslänken är återkallad och påminnelserna stoppade."), "success")
    return redirect(url_for("brister.detail", brist_id=kontakt.brist_id))


def _kontakt_to_work(kontakt_id: int) -> Kontakt:
    """A contact the user may work on: 404 outside their scope, 403 where they may only read."""
    kontakt = db.session.get(Kontakt, kontakt_id)
    scope = current_scope()
    if kontakt is None or not scope.covers(kontakt.brist.verksamhet_id):
        abort(404)
    if not scope.allows(Operation.WORK_BRISTER, kontakt.brist.verksamhet_id):
        abort(403)
    return kontakt


def _flash_refusal(errors: tuple[FieldError, ...]) -> None:
    for error in errors:
        flash(worded(error), "error")


@blueprint.route("/kontakter/<int:kontakt_id>/pausa", methods=["POST"])
@requires(Operation.WORK_BRISTER)
def pause(kontakt_id: int):
    """Waiting for the client's consent: stop the clock to the answer deadline."""
    kontakt = _kontakt_to_work(kontakt_id)
    outcome = run_verb(
        lambda: services.pause_kontakt(kontakt=kontakt, user=current_user, scope=current_scope())
    )
    if not outcome.ok:
        _flash_refusal(outcome.errors)
    else:
        flash(gettext("Svarstiden är pausad och påminnelserna väntar."), "success")
    return redirect(url_for("brister.detail", brist_id=kontakt.brist_id))


@blueprint.route("/kontakter/<int:kontakt_id>/ateruppta", methods=["POST"])
@requires(Operation.WORK_BRISTER)
def resume(kontakt_id: int):
    """The information is sent: the clock runs again with the working days that were left."""
    kontakt = _kontakt_to_work(kontakt_id)
    try:  # the pause the page showed; a missing or broken value is taken as a stale page
        seen = date.fromisoformat(request.form.get("paused_on", ""))
    except ValueError:
        seen = date.min
    outcome = run_verb(
        lambda: services.resume_kontakt(
            kontakt=kontakt, user=current_user, scope=current_scope(), seen_paused_on=seen
        )
    )
    if not outcome.ok or outcome.value is None:
        _flash_refusal(outcome.errors)
    else:
        flash(
            gettext("Svarstiden löper igen. Svar önskas senast %(day)s.", day=outcome.value),
            "success",
        )
    return redirect(url_for("brister.detail", brist_id=kontakt.brist_id))


@blueprint.route("/efterkontroller/<int:kontroll_id>", methods=["POST"])
@requires(Operation.WORK_BRISTER)
def efterkontroll(kontroll_id: int):
    """The ombud answers "Håller åtgärden?" with one click; "Den har återkommit" reopens."""
    kontroll = db.session.get(Efterkontroll, kontroll_id)
    scope = current_scope()
    if kontroll is None or not scope.covers(kontroll.brist.verksamhet_id):
        abort(404)
    form = BaseForm()
    if not form.validate_on_submit():
        abort(400)  # no valid CSRF token
    try:
        svar = EfterkontrollSvar(request.form.get("svar", ""))
    except ValueError:
        flash(gettext("Välj om bristen har återkommit eller inte."), "error")
        return redirect(url_for("brister.detail", brist_id=kontroll.brist_id))
    outcome = run_verb(
        lambda: services.record_efterkontroll(
            kontroll=kontroll, user=current_user, scope=scope, svar=svar
        )
    )
    if outcome.ok:
        flash(
            gettext("Bristen är öppnad igen och föreslås till ledningsgruppen.")
            if svar == EfterkontrollSvar.ATERKOMMIT
            else gettext("Sparat: åtgärden håller."),
            "success",
        )
    for error in outcome.errors:
        flash(worded(error), "error")
    return redirect(url_for("brister.detail", brist_id=kontroll.brist_id))


def _not_stored(view: Callable[..., ResponseReturnValue]) -> Callable[..., Response]:
    """The page carries the link's token in its address: no cache may keep it."""

    @wraps(view)
    def not_stored(*args: Any, **kwargs: Any) -> Response:
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return not_stored


def _answering(token: str) -> Kontakt:
    """The contact a working answer link belongs to; 404 for any other link, 429 past a limit.

    Two limits per hour: links that do not work, per client address (a guesser is then
    refused every link, the right one too), and requests per working link. A working link
    never counts against its address, so one office behind one proxy cannot use up another's.
    """
    now, hour, config = utcnow(), timedelta(hours=1), current_app.config
    address = f"svar:{request.remote_addr}"
    failed = counted_requests(key=address, window=hour, now=now)
    if failed >= config["ANSWER_LINK_ATTEMPTS_PER_HOUR"]:
        abort(429)
    kontakt = services.find_by_token(token, now)
    if kontakt is None:
        count_request(key=address, window=hour, now=now)
        db.session.commit()
        abort(404)
    allowed = allow_request(
        key=f"svar-link:{services.hash_token(token)}",
        limit=config["ANSWER_LINK_REQUESTS_PER_LINK_PER_HOUR"],
        window=hour,
        now=now,
    )
    db.session.commit()
    if not allowed:
        abort(429)
    return kontakt


@blueprint.route("/svar/<token>", methods=["GET", "POST"])
@_not_stored
def answer(token: str):
    """A myndighet answers one request, without an account. Anything wrong is a plain 404."""
    kontakt = _answering(token)
    form = SvarForm()
    mottaget = MottagetForm(prefix="mottaget", formdata=None)
    if (
        form.validate_on_submit()
        and run_on_form(
            form,
            lambda: services.record_answer(
                kontakt=kontakt,
                typ=SvarTyp(form.typ.data),
                text=form.text.data or "",
                diarienummer=form.diarienummer.data or "",
                promised_on=form.promised_on.data,
                responsible_body=form.responsible_body.data or "",
            ),
        ).ok
    ):
        return redirect(url_for("followups.answer_thanks", token=token))
    return _answer_page(kontakt, form, mottaget), status_for(form)


def _answer_page(kontakt: Kontakt, form: SvarForm, mottaget: MottagetForm) -> str:
    """The answer page: what was asked, the answers given so far, receipt, and the forms."""
    if mottaget.handlaggare.data is None and kontakt.acknowledged_at is not None:
        mottaget.handlaggare.data = kontakt.acknowledged_handlaggare
        mottaget.diarienummer.data = kontakt.acknowledged_diarienummer
    return render_template(
        "followups/answer.html",
        kontakt=kontakt,
        form=form,
        mottaget=mottaget,
        rakning=services.rakning_for(kontakt),
    )


@blueprint.route("/svar/<token>/mottaget", methods=["POST"])
@_not_stored
def acknowledge(token: str):
    """A myndighet confirms receipt without answering yet; the deadline is unchanged."""
    kontakt = _answering(token)
    mottaget = MottagetForm(prefix="mottaget")
    if (
        mottaget.validate_on_submit()
        and run_on_form(
            mottaget,
            lambda: services.acknowledge_receipt(
                kontakt=kontakt,
                handlaggare=mottaget.handlaggare.data or "",
                diarienummer=mottaget.diarienummer.data or "",
            ),
        ).ok
    ):
        return redirect(url_for("followups.receipt_thanks", token=token))
    return _answer_page(kontakt, SvarForm(formdata=None), mottaget), status_for(mottaget)


@blueprint.route("/svar/<token>/mottaget/tack")
@_not_stored
def receipt_thanks(token: str):
    """After a receipt: what it means for the deadline, and a way back to answer."""
    return render_template("followups/receipt_thanks.html", kontakt=_answering(token), token=token)


@blueprint.route("/svar/<token>/tack")
@_not_stored
def answer_thanks(token: str):
    """After an answer: a page to land on that a refresh cannot send again."""
    return render_template("followups/answer_thanks.html", kontakt=_answering(token))
