"""Verbs on the annual report: generate, edit the draft texts, freeze a version. Never commit."""

from dataclasses import replace
from datetime import date
from uuid import uuid4

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from systemfel.auth.models import User
from systemfel.brister import history
from systemfel.brister.domain import HandelseTyp, differing
from systemfel.brister.models import Brist
from systemfel.clock import local_today
from systemfel.dbtypes import lock_row, utcnow
from systemfel.errors import ConflictError, FieldError, OutOfScope, ValidationError
from systemfel.extensions import db
from systemfel.i18n import N_
from systemfel.privacy.guard import refuse_personnummer
from systemfel.reports import domain, queries
from systemfel.reports.domain import RapportDocument, document_to_dict
from systemfel.reports.models import Rapport, RapportVersion, scope_key
from systemfel.verksamheter.domain import Operation
from systemfel.verksamheter.scope import NOT_YOURS, Scope

CONFLICT = N_("Någon annan har ändrat redovisningen medan du arbetade. Ingenting sparades.")
FROZEN_AT_ONCE = N_(
    "Någon annan sparade eller frös redovisningen i samma stund. Ingen version frystes. Se efter "
    "nedan och frys igen om det behövs."
)


def _require_covered(scope: Scope, verksamhet_ids: frozenset[int]) -> None:
    """Refuse a report on verksamheter the scope does not cover, every one of them."""
    if not scope.covers_all(verksamhet_ids):
        raise OutOfScope(NOT_YOURS)


def _require_editor(scope: Scope, verksamhet_ids: frozenset[int]) -> None:
    """Refuse to write, freeze or roll up unless the actor edits the report of each one."""
    for verksamhet_id in sorted(verksamhet_ids):
        scope.require(Operation.EDIT_RAPPORT, verksamhet_id)


def draft_for(scope: Scope, verksamhet_ids: frozenset[int], year: int) -> Rapport | None:
    """Return the texts written for this report, if any."""
    _require_covered(scope, verksamhet_ids)
    return db.session.scalar(
        select(Rapport).where(Rapport.scope == scope_key(verksamhet_ids), Rapport.year == year)
    )


def generate(
    *,
    scope: Scope,
    verksamhet_ids: frozenset[int],
    year: int,
    rapport: Rapport | None,
    threshold: int,
) -> tuple[RapportDocument, list[domain.RapportEntry]]:
    """Build the report from the brister as they are now, with the draft's texts."""
    document, entries, _ = generate_for_editing(
        scope=scope,
        verksamhet_ids=verksamhet_ids,
        year=year,
        rapport=rapport,
        threshold=threshold,
    )
    return document, entries


def generate_for_editing(
    *,
    scope: Scope,
    verksamhet_ids: frozenset[int],
    year: int,
    rapport: Rapport | None,
    threshold: int,
) -> tuple[RapportDocument, list[domain.RapportEntry], list[domain.MeasureRow]]:
    """The report as `generate` builds it, and every measure of 6 c as the edit form shows it."""
    _require_covered(scope, verksamhet_ids)
    all_facts = queries.brist_facts(scope, verksamhet_ids, year)
    # 6 b / item 2: brister left out of the year's report are in none of its counts (both
    # years' columns, so they compare the same brister), themes, appendix, examples or 6 c
    # measures (a measure naming several brister names only those still in; one naming none
    # of them is not selected).
    reasons = excluded_of(rapport)
    facts = domain.without(all_facts, reasons)
    entries = domain.select_year(facts, year)
    previous_entries = domain.select_year(facts, year - 1)
    measure_rows = domain.measure_rows(domain.select_measures(facts, year), measure_draft(rapport))
    verksamheter = queries.verksamheter(scope, verksamhet_ids)
    rollup = len(verksamhet_ids) > 1
    summaries = {int(k): v for k, v in (rapport.summaries if rapport else {}).items()}
    now = utcnow()
    document = RapportDocument(
        year=year,
        verksamheter=tuple(v.namn for v in verksamheter),
        kommuner=tuple(queries.kommuner(scope, verksamhet_ids)),
        has_routines=bool(verksamheter) and all(v.has_routines for v in verksamheter),
        introduction=rapport.introduction if rapport else "",
        closing=rapport.closing if rapport else "",
        sections=tuple(domain.group_by_niva(entries)),
        summaries=summaries,
        counts=domain.count_year(facts, year, entries),
        previous=domain.count_year(facts, year - 1, previous_entries),
        examples=tuple(domain.examples(facts, year)),
        breakdown=domain.breakdown(facts, year, entries) if rollup else {},
        common=tuple(domain.common_brister(entries)) if rollup else (),
        threshold=threshold,
        as_of=domain.as_of(year, local_today(now)),
        made_at=now,
        themes=tuple(
            domain.build_themes(entries, themes_of(rapport), rollup=rollup, summaries=summaries)
        ),
        leads=domain.lead_sentences(
            entries, previous_entries, year, domain.as_of(year, local_today(now))
        ),
        appendix=rapport.appendix if rapport else True,
        excluded=tuple(domain.left_out(all_facts, reasons)),
        measures=tuple(row.measure for row in measure_rows if row.include),
        routines=tuple(
            domain.Routine(v.namn, v.has_routines, v.routines_description) for v in verksamheter
        ),
        fixes=domain.fixes_checked(
            (
                (closed_on, svar)
                for brist_id, closed_on, svar in queries.checked_closings(
                    scope, verksamhet_ids, year
                )
                if brist_id not in reasons
            ),
            year,
        ),
    )
    return document, entries, measure_rows


def save_draft(
    *,
    scope: Scope,
    verksamhet_ids: frozenset[int],
    year: int,
    introduction: str,
    closing: str,
    summaries: dict[int, str],
    expected_version: int,
    user: User,
    teman: domain.ThemeDraft | None = None,
    appendix: bool | None = None,
) -> Rapport:
    """Keep the samordnare's texts for the report; a save on an outdated copy is refused.

    `teman` and `appendix` (6 b), when given, replace the draft's themes and appendix choice.

    So is the second of two first saves at the same moment: the report's (scope, year) is
    unique, and whoever comes second finds the other's draft there.
    """
    _require_editor(scope, verksamhet_ids)
    refuse_personnummer(introduction=introduction, closing=closing)
    for brist_id, text in summaries.items():
        refuse_personnummer(**{f"summary_{brist_id}": text})
    if teman is not None:
        _refuse_in_themes(teman)
    rapport = draft_for(scope, verksamhet_ids, year)
    if rapport is None:
        if expected_version != 0:
            raise ConflictError(CONFLICT, current_version=0)
        rapport = Rapport(scope=scope_key(verksamhet_ids), year=year)
        db.session.add(rapport)
    elif rapport.version != expected_version:
        raise ConflictError(CONFLICT, current_version=rapport.version)
    rapport.introduction, rapport.closing = introduction.strip(), closing.strip()
    rapport.summaries = {str(k): v.strip() for k, v in summaries.items() if v.strip()}
    if teman is not None:
        rapport.teman = teman.to_dict()
    if appendix is not None:
        rapport.appendix = appendix
    rapport.updated_by = user
    rapport.updated_at = utcnow()
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise ConflictError(CONFLICT, current_version=expected_version + 1) from error
    return rapport


def texts_of(rapport: Rapport | None) -> dict[str, str]:
    """Return the draft's texts by field: introduction, closing, summary_<brist id>."""
    if rapport is None:
        return {"introduction": "", "closing": ""}
    summaries = {f"summary_{brist_id}": text for brist_id, text in rapport.summaries.items()}
    return {"introduction": rapport.introduction, "closing": rapport.closing, **summaries}


def differing_texts(rapport: Rapport | None, texts: dict[str, str]) -> list[str]:
    """Name the fields (as texts_of names them) where `texts` differ from the saved draft."""
    saved = {name: "" for name in texts} | texts_of(rapport)
    return differing(saved, texts)


def freeze_rapport(
    *, scope: Scope, verksamhet_ids: frozenset[int], year: int, user: User, threshold: int
) -> RapportVersion:
    """Freeze the report as it reads now; one nobody has written texts for gets a draft first."""
    _require_editor(scope, verksamhet_ids)
    rapport = draft_for(scope, verksamhet_ids, year)
    if rapport is None:
        try:
            rapport = save_draft(
                scope=scope,
                verksamhet_ids=verksamhet_ids,
                year=year,
                introduction="",
                closing="",
                summaries={},
                expected_version=0,
                user=user,
            )
        except ConflictError as error:
            raise ConflictError(FROZEN_AT_ONCE, current_version=error.current_version) from error
    document, _ = generate(
        scope=scope, verksamhet_ids=verksamhet_ids, year=year, rapport=rapport, threshold=threshold
    )
    return _freeze(rapport=rapport, document=document, user=user)


def _freeze(*, rapport: Rapport, document: RapportDocument, user: User) -> RapportVersion:
    """Store the report as it reads now; it never changes after this.

    Freezes of one report take turns (its draft's row is locked), so two at the same moment
    get a number each.
    """
    lock_row(Rapport, rapport.id)
    last = db.session.scalar(
        select(func.max(RapportVersion.number)).where(RapportVersion.rapport_id == rapport.id)
    )
    version = RapportVersion(
        rapport=rapport,
        number=(last or 0) + 1,
        frozen_by=user,
        frozen_at=utcnow(),
        content=document_to_dict(document),
    )
    db.session.add(version)
    db.session.flush()
    return version


def latest_version(rapport: Rapport | None) -> RapportVersion | None:
    """Return the last frozen version of the report."""
    return rapport.versions[-1] if rapport and rapport.versions else None


# --- 6 b: themes and lead sentences; brister left out (item 2) -------------------------------

REASON_REQUIRED = N_("Skriv varför bristen lämnas utanför årets redovisning.")
NOT_IN_REPORT = N_("Bristen finns inte bland redovisningens brister.")
NOT_LEFT_OUT = N_("Bristen är inte utelämnad ur redovisningen.")


def themes_of(rapport: Rapport | None) -> domain.ThemeDraft:
    """The samordnare's changes to the themes, as saved with the draft."""
    return domain.ThemeDraft.from_dict(rapport.teman if rapport else None)


def excluded_of(rapport: Rapport | None) -> dict[int, str]:
    """The brister left out of the report, with the reason each was left out."""
    return {int(k): str(v) for k, v in (rapport.excluded if rapport else {}).items()}


def theme_field(key: str, part: str) -> str:
    """The form field of a theme's title ("titel") or summary ("text")."""
    return f"tema_{key}_{part}"


def _refuse_in_themes(teman: domain.ThemeDraft) -> None:
    for key, text in teman.titles.items():
        refuse_personnummer(**{theme_field(key, "titel"): text})
    for key, text in teman.summaries.items():
        refuse_personnummer(**{theme_field(key, "text"): text})


def _draft_at_version(
    scope: Scope, verksamhet_ids: frozenset[int], year: int, expected_version: int
) -> Rapport:
    """The draft to change, made if there is none; refused if changed since it was loaded."""
    rapport = draft_for(scope, verksamhet_ids, year)
    if rapport is None:
        if expected_version != 0:
            raise ConflictError(CONFLICT, current_version=0)
        rapport = Rapport(scope=scope_key(verksamhet_ids), year=year)
        db.session.add(rapport)
    elif rapport.version != expected_version:
        raise ConflictError(CONFLICT, current_version=rapport.version)
    return rapport


def _report_brist(verksamhet_ids: frozenset[int], brist_id: int) -> Brist:
    """The brist, when it belongs to one of the report's verksamheter."""
    brist = db.session.get(Brist, brist_id)
    if brist is None or brist.verksamhet_id not in verksamhet_ids:
        raise ValidationError(NOT_IN_REPORT, "brist")
    return brist


def _flush_draft(expected_version: int) -> None:
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise ConflictError(CONFLICT, current_version=expected_version + 1) from error


def exclude_brist(
    *,
    scope: Scope,
    verksamhet_ids: frozenset[int],
    year: int,
    brist_id: int,
    reason: str,
    expected_version: int,
    user: User,
) -> Rapport:
    """Leave a brist out of the year's report, with a reason kept in the brist's history."""
    _require_editor(scope, verksamhet_ids)
    reason = reason.strip()
    if not reason:
        raise ValidationError(REASON_REQUIRED, "reason")
    refuse_personnummer(reason=reason)
    brist = _report_brist(verksamhet_ids, brist_id)
    rapport = _draft_at_version(scope, verksamhet_ids, year, expected_version)
    rapport.excluded = {**(rapport.excluded or {}), str(brist.id): reason}
    _touch(rapport, user)
    now = utcnow()
    history.record(
        brist,
        HandelseTyp.UTELAMNAD_UR_RAPPORT,
        {"year": year, "scope": rapport.scope},
        user,
        local_today(now),
        now,
        text=reason,
        touches_brist=False,
    )
    _flush_draft(expected_version)
    return rapport


def include_brist(
    *,
    scope: Scope,
    verksamhet_ids: frozenset[int],
    year: int,
    brist_id: int,
    expected_version: int,
    user: User,
) -> Rapport:
    """Take a brist left out back into the year's report; its history says so."""
    _require_editor(scope, verksamhet_ids)
    brist = _report_brist(verksamhet_ids, brist_id)
    rapport = _draft_at_version(scope, verksamhet_ids, year, expected_version)
    if str(brist.id) not in (rapport.excluded or {}):
        raise ValidationError(NOT_LEFT_OUT, "brist")
    rapport.excluded = {k: v for k, v in rapport.excluded.items() if k != str(brist.id)}
    _touch(rapport, user)
    now = utcnow()
    history.record(
        brist,
        HandelseTyp.MED_I_RAPPORT_IGEN,
        {"year": year, "scope": rapport.scope},
        user,
        local_today(now),
        now,
        touches_brist=False,
    )
    _flush_draft(expected_version)
    return rapport


def _touch(rapport: Rapport, user: User) -> None:
    rapport.updated_by = user
    rapport.updated_at = utcnow()


# --- 6 c: measures ---------------------------------------------------------------------------

EMPTY_MEASURE = N_("Skriv vad som gjordes.")
OUTSIDE_YEAR = N_("Datumet ska ligga inom redovisningens år.")
UNKNOWN_VERKSAMHET = N_("Välj en av redovisningens verksamheter.")


def measure_draft(rapport: Rapport | None) -> domain.MeasureDraft:
    """The samordnare's 6 c as kept with the draft."""
    return domain.measure_draft_from_dict(rapport.atgarder if rapport else None)


def _draft_to_write(
    scope: Scope, verksamhet_ids: frozenset[int], year: int, expected_version: int
) -> Rapport:
    """The draft at the version the user's copy was loaded at; a first save makes it."""
    _require_editor(scope, verksamhet_ids)
    return _draft_at_version(scope, verksamhet_ids, year, expected_version)


def _store_measures(rapport: Rapport, draft: domain.MeasureDraft, user: User, version: int) -> None:
    rapport.atgarder = domain.measure_draft_to_dict(draft)
    rapport.updated_by = user
    rapport.updated_at = utcnow()
    _flush_draft(version)


def save_measures(
    *,
    scope: Scope,
    verksamhet_ids: frozenset[int],
    year: int,
    edits: dict[str, domain.MeasureEdit],
    order: list[str],
    expected_version: int,
    user: User,
) -> Rapport:
    """Keep which measures are left out, their texts and their order, by key.

    The samordnare's own measures stay. A save on an outdated copy is refused, as for the
    draft's texts.
    """
    for key, edit in edits.items():
        refuse_personnummer(**{f"text_{domain.measure_slug(key)}": edit.text})
    rapport = _draft_to_write(scope, verksamhet_ids, year, expected_version)
    kept = measure_draft(rapport)
    # The measures given replace their edits; others (not on her page then) keep theirs.
    clean = {key: edit for key, edit in kept.edits.items() if key not in edits}
    for key, edit in edits.items():
        if not edit.include or edit.text.strip():
            clean[key] = domain.MeasureEdit(edit.include, edit.text.strip())
    placed = tuple(dict.fromkeys([*order, *(key for key in kept.order if key not in edits)]))
    draft = replace(kept, edits=clean, order=placed)
    _store_measures(rapport, draft, user, expected_version)
    return rapport


def add_measure(
    *,
    scope: Scope,
    verksamhet_ids: frozenset[int],
    year: int,
    on: date,
    text: str,
    verksamhet: str,
    expected_version: int,
    user: User,
) -> domain.Measure:
    """Add a measure the samordnare writes herself (a handlingsplan, a meeting with FK)."""
    text = " ".join(text.split())
    errors = []
    if not text:
        errors.append(FieldError(EMPTY_MEASURE, "text"))
    if on.year != year:
        errors.append(FieldError(OUTSIDE_YEAR, "on"))
    names = {v.namn for v in queries.verksamheter(scope, verksamhet_ids)}
    if verksamhet not in names:
        errors.append(FieldError(UNKNOWN_VERKSAMHET, "verksamhet"))
    if errors:
        raise ValidationError(errors[0].message, errors[0].field, errors=errors)
    refuse_personnummer(text=text)
    rapport = _draft_to_write(scope, verksamhet_ids, year, expected_version)
    kept = measure_draft(rapport)
    measure = domain.Measure(
        f"{domain.MANUAL_SOURCE}:{uuid4().hex}",
        on,
        text,
        domain.MANUAL_SOURCE,
        verksamhet=verksamhet,
    )
    _store_measures(rapport, replace(kept, manual=(*kept.manual, measure)), user, expected_version)
    return measure
