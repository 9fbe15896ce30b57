"""Verbs on brister: register, edit, observe, escalate, move, close, reopen. Never commit."""

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from systemfel.auth.models import User
from systemfel.brister import domain, events, history
from systemfel.brister.domain import Change, HandelseTyp, Niva, Status, TransitionRefused, Utfall
from systemfel.brister.models import Brist, Handelse, Observation
from systemfel.clock import local_today
from systemfel.dbtypes import lock_row, utcnow
from systemfel.errors import ConflictError, ValidationError
from systemfel.extensions import db
from systemfel.i18n import N_
from systemfel.privacy.guard import refuse_personnummer
from systemfel.verksamheter.domain import Operation
from systemfel.verksamheter.models import Myndighet, Omrade, Verksamhet
from systemfel.verksamheter.scope import Scope

MAX_CLIENTS = 100_000

FIELD_LABELS = domain.FIELD_LABELS


@dataclass(frozen=True)
class BristFields:
    """What a user fills in when registering or editing a brist."""

    titel: str
    beskrivning: str
    niva: Niva
    myndighet_id: int
    other_myndighet_ids: list[int]
    omrade_id: int
    first_observed_on: date
    antal_klienter: int
    konsekvenser: str
    forslag_atgard: str
    ansvarig_id: int


def _check_fields(verksamhet_id: int, fields: BristFields, today: date) -> dict[str, Any]:
    """Check the fields against the verksamhet's lists; return the objects they refer to."""
    refuse_personnummer(
        titel=fields.titel,
        beskrivning=fields.beskrivning,
        konsekvenser=fields.konsekvenser,
        forslag_atgard=fields.forslag_atgard,
    )
    if not fields.titel.strip():
        raise ValidationError(N_("Ange en rubrik."), field="titel")
    if fields.first_observed_on > today:
        raise ValidationError(N_("Datumet kan inte ligga i framtiden."), field="first_observed_on")
    if not 0 <= fields.antal_klienter <= MAX_CLIENTS:
        raise ValidationError(N_("Ange ett antal mellan 0 och 100 000."), field="antal_klienter")
    myndighet = db.session.get(Myndighet, fields.myndighet_id)
    if myndighet is None or myndighet.verksamhet_id != verksamhet_id:
        raise ValidationError(N_("Välj en myndighet i listan."), field="myndighet_id")
    other_ids = set(fields.other_myndighet_ids) - {fields.myndighet_id}
    others = list(
        db.session.scalars(
            select(Myndighet).where(
                Myndighet.id.in_(other_ids), Myndighet.verksamhet_id == verksamhet_id
            )
        )
    )
    if len(others) != len(other_ids):
        raise ValidationError(N_("Välj myndigheter i listan."), field="other_myndighet_ids")
    omrade = db.session.get(Omrade, fields.omrade_id)
    if omrade is None or omrade.verksamhet_id != verksamhet_id:
        raise ValidationError(N_("Välj ett område i listan."), field="omrade_id")
    ansvarig = db.session.get(User, fields.ansvarig_id)
    if ansvarig is None or verksamhet_id not in ansvarig.verksamhet_ids:
        raise ValidationError(N_("Välj ett ombud i verksamheten."), field="ansvarig_id")
    return {
        "myndighet": myndighet,
        "other_myndigheter": others,
        "omrade": omrade,
        "ansvarig": ansvarig,
    }


def snapshot(brist: Brist) -> dict[str, str]:
    """Return the editable fields as values a person reads (names, not ids), for history."""
    return {
        "titel": brist.titel,
        "beskrivning": brist.beskrivning,
        "niva": brist.niva.label,
        "myndighet_id": brist.myndighet.namn,
        "other_myndighet_ids": ", ".join(m.namn for m in brist.other_myndigheter),
        "omrade_id": brist.omrade.namn,
        "first_observed_on": brist.first_observed_on.isoformat(),
        "antal_klienter": str(brist.antal_klienter),
        "konsekvenser": brist.konsekvenser,
        "forslag_atgard": brist.forslag_atgard,
        "ansvarig_id": brist.ansvarig.namn,
    }


def fields_of(brist: Brist) -> BristFields:
    """Return the brist's editable fields as saved, the way a user submits them."""
    return BristFields(
        titel=brist.titel,
        beskrivning=brist.beskrivning,
        niva=brist.niva,
        myndighet_id=brist.myndighet_id,
        other_myndighet_ids=[m.id for m in brist.other_myndigheter],
        omrade_id=brist.omrade_id,
        first_observed_on=brist.first_observed_on,
        antal_klienter=brist.antal_klienter,
        konsekvenser=brist.konsekvenser,
        forslag_atgard=brist.forslag_atgard,
        ansvarig_id=brist.ansvarig_id,
    )


def differing_fields(brist: Brist, fields: BristFields) -> list[str]:
    """Name the fields where `fields` say something other than the brist as saved."""
    return domain.differing(asdict(fields_of(brist)), asdict(fields))


def _check_version(brist: Brist, expected_version: int) -> None:
    """Refuse a change made on an outdated copy, naming what others changed since."""
    if brist.version != expected_version:
        missed = db.session.scalars(
            select(Handelse)
            .where(Handelse.brist_id == brist.id, Handelse.version > expected_version)
            .options(selectinload(Handelse.user))
            .order_by(Handelse.id)
        ).all()
        raise ConflictError(
            N_("Någon annan har ändrat bristen medan du arbetade. Ingenting sparades."),
            current_version=brist.version,
            changes=list(missed),
        )


def _flush(brist: Brist, expected_version: int) -> None:
    """Flush, turning a concurrent write caught by the version column into a conflict."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError(
            N_("Någon annan har ändrat bristen medan du arbetade. Ingenting sparades."),
            current_version=expected_version + 1,
        ) from error


def _next_serial(verksamhet_id: int, year: int) -> int:
    """Return the next serial of the verksamhet and year, counting under its row lock.

    Two registrations in the same verksamhet take turns, so they never count alike.
    """
    lock_row(Verksamhet, verksamhet_id)
    last = db.session.scalar(
        select(Brist.serial)
        .where(Brist.verksamhet_id == verksamhet_id, Brist.year == year)
        .order_by(Brist.serial.desc())
        .limit(1)
    )
    return (last or 0) + 1


def register_brist(
    *,
    verksamhet: Verksamhet,
    user: User,
    scope: Scope,
    fields: BristFields,
    prefix: str,
    now: datetime | None = None,
) -> Brist:
    """Register a new brist in `verksamhet` and give it the next number of the year."""
    scope.require(Operation.WORK_BRISTER, verksamhet.id)
    now = now or utcnow()
    today = local_today(now)
    refs = _check_fields(verksamhet.id, fields, today)
    serial = _next_serial(verksamhet.id, today.year)
    brist = Brist(
        verksamhet=verksamhet,
        year=today.year,
        serial=serial,
        nummer=domain.format_number(prefix, today.year, serial),
        titel=fields.titel.strip(),
        beskrivning=fields.beskrivning.strip(),
        niva=fields.niva,
        status=Status.REGISTRERAD,
        first_observed_on=fields.first_observed_on,
        antal_klienter=fields.antal_klienter,
        konsekvenser=fields.konsekvenser.strip(),
        forslag_atgard=fields.forslag_atgard.strip(),
        created_by=user,
        created_at=now,
        updated_at=now,
        **refs,
    )
    _refresh_search(brist)
    db.session.add(brist)
    history.record(brist, HandelseTyp.REGISTRERAD, {"niva": brist.niva.value}, user, today, now)
    db.session.flush()
    events.registered.send(brist, now=now)
    return brist


def _refresh_search(brist: Brist) -> None:
    """Set what free-text search finds the brist by, from its number, title and description."""
    parts = (brist.nummer, brist.titel, brist.beskrivning)
    brist.search_text = domain.search_text(*parts)
    brist.search_stems = domain.search_stems(*parts)


def update_brist(
    *,
    brist: Brist,
    user: User,
    scope: Scope,
    fields: BristFields,
    expected_version: int,
    now: datetime | None = None,
) -> list[Change]:
    """Save an edit; refuse it if someone changed the brist since `expected_version`."""
    scope.require(Operation.WORK_BRISTER, brist.verksamhet_id)
    if brist.is_closed:
        raise ValidationError(N_("En stängd brist kan inte ändras. Öppna den igen först."))
    _check_version(brist, expected_version)
    now = now or utcnow()
    refs = _check_fields(brist.verksamhet_id, fields, local_today(now))
    before, old_niva = snapshot(brist), brist.niva
    brist.titel = fields.titel.strip()
    brist.beskrivning = fields.beskrivning.strip()
    brist.niva = fields.niva
    brist.first_observed_on = fields.first_observed_on
    brist.antal_klienter = fields.antal_klienter
    brist.konsekvenser = fields.konsekvenser.strip()
    brist.forslag_atgard = fields.forslag_atgard.strip()
    for name, value in refs.items():
        setattr(brist, name, value)
    after = snapshot(brist)
    changes = domain.diff(FIELD_LABELS, before, after)
    if not changes:
        return []
    _refresh_search(brist)
    brist.updated_at = now
    # The level as its value, so the line is rendered in the reader's language.
    before["niva"], after["niva"] = old_niva.value, brist.niva.value
    fields_changed = [
        [key, before[key], after[key]] for key in FIELD_LABELS if before[key] != after[key]
    ]
    history.record(
        brist, HandelseTyp.ANDRAD, {"fields": fields_changed}, user, local_today(now), now
    )
    _flush(brist, expected_version)
    return changes


def add_observation(
    *,
    brist: Brist,
    user: User,
    scope: Scope,
    observed_on: date,
    antal_klienter: int,
    anteckning: str,
    now: datetime | None = None,
) -> Observation:
    """Record that the flaw was seen again; it does not touch the brist's own fields."""
    scope.require(Operation.WORK_BRISTER, brist.verksamhet_id)
    if brist.is_closed:
        raise ValidationError(N_("Bristen är stängd. Öppna den igen om felet har kommit tillbaka."))
    now = now or utcnow()
    refuse_personnummer(anteckning=anteckning)
    if observed_on > local_today(now):
        raise ValidationError(N_("Datumet kan inte ligga i framtiden."), field="observed_on")
    if not 1 <= antal_klienter <= MAX_CLIENTS:
        raise ValidationError(N_("Ange ett antal mellan 1 och 100 000."), field="antal_klienter")
    observation = Observation(
        brist=brist,
        observed_on=observed_on,
        antal_klienter=antal_klienter,
        anteckning=anteckning.strip(),
        created_by=user,
        created_at=now,
    )
    db.session.add(observation)
    history.record(
        brist,
        HandelseTyp.OBSERVATION,
        {"antal_klienter": antal_klienter},
        user,
        observed_on,
        now,
        anteckning.strip(),
        touches_brist=False,
    )
    db.session.flush()
    return observation


def _has_contact(brist: Brist) -> bool:
    """Has a contact with a myndighet been recorded for the brist (its history says so)?"""
    found = db.session.scalar(
        select(Handelse.id)
        .where(Handelse.brist_id == brist.id, Handelse.typ == HandelseTyp.KONTAKT)
        .limit(1)
    )
    return found is not None


def _refused(error: TransitionRefused, field: str | None = None) -> ValidationError:
    return ValidationError(str(error), field=field)


def escalate_brist(
    *,
    brist: Brist,
    user: User,
    scope: Scope,
    to_niva: Niva,
    reason: str,
    expected_version: int,
    now: datetime | None = None,
    mote_id: int | None = None,
    happened_on: date | None = None,
) -> None:
    """Move the brist to a higher level, with the reason in its history.

    A ledningsgrupp's decision (`mote_id`, on the day of the meeting) needs no reason: the
    decision is its own entry.
    """
    scope.require(Operation.WORK_BRISTER, brist.verksamhet_id)
    _check_version(brist, expected_version)
    refuse_personnummer(reason=reason)
    try:
        domain.check_escalate(brist.status, brist.niva, to_niva)
    except TransitionRefused as error:
        raise _refused(error, "niva") from error
    if not reason.strip() and mote_id is None:
        raise ValidationError(N_("Ange varför bristen eskaleras."), field="reason")
    now = now or utcnow()
    data = {"from": brist.niva.value, "to": to_niva.value, "mote_id": mote_id}
    brist.niva = to_niva
    brist.escalation_proposed_at = None
    brist.updated_at = now
    on = happened_on or local_today(now)
    history.record(brist, HandelseTyp.ESKALERAD, data, user, on, now, reason.strip())
    _flush(brist, expected_version)


def move_brist(
    *,
    brist: Brist,
    user: User,
    scope: Scope,
    to_status: Status,
    comment: str,
    expected_version: int,
    now: datetime | None = None,
) -> None:
    """Change the status of an open brist along the state machine."""
    scope.require(Operation.WORK_BRISTER, brist.verksamhet_id)
    _check_version(brist, expected_version)
    refuse_personnummer(comment=comment)
    try:
        domain.check_move(brist.status, to_status)
        domain.check_raised(to_status, has_contact=_has_contact(brist))
    except TransitionRefused as error:
        raise _refused(error, "status") from error
    now = now or utcnow()
    data = {"from": brist.status.value, "to": to_status.value}
    brist.status = to_status
    brist.updated_at = now
    history.record(brist, HandelseTyp.STATUS, data, user, local_today(now), now, comment.strip())
    _flush(brist, expected_version)


def close_brist(
    *,
    brist: Brist,
    user: User,
    scope: Scope,
    utfall: Utfall,
    comment: str,
    expected_version: int,
    merged_into: Brist | None = None,
    now: datetime | None = None,
    mote_id: int | None = None,
    happened_on: date | None = None,
) -> None:
    """Close the brist with an outcome; a merge points at the brist it was merged into.

    A ledningsgrupp's decision passes its meeting (`mote_id`) and the day it was taken.
    """
    scope.require(Operation.CLOSE_BRISTER, brist.verksamhet_id)
    _check_version(brist, expected_version)
    refuse_personnummer(comment=comment)
    closing = domain.Closing(utfall, merged_into.id if merged_into else None)
    try:
        domain.check_close(brist.status, closing, brist.id)
    except TransitionRefused as error:
        raise _refused(
            error, "merged_into" if utfall == Utfall.SAMMANSLAGEN else "utfall"
        ) from error
    if merged_into is not None and (
        merged_into.verksamhet_id != brist.verksamhet_id or merged_into.is_closed
    ):
        raise ValidationError(
            N_("Bristen att slå samman med måste vara öppen och höra till samma verksamhet."),
            field="merged_into",
        )
    now = now or utcnow()
    on = happened_on or local_today(now)
    data: dict[str, Any] = {"from": brist.status.value, "utfall": utfall.value, "mote_id": mote_id}
    if merged_into is not None:
        data |= {"merged_into_id": merged_into.id, "merged_into_nummer": merged_into.nummer}
        history.record(
            merged_into,
            HandelseTyp.SAMMANSLAGEN_HIT,
            {"brist_id": brist.id, "nummer": brist.nummer},
            user,
            on,
            now,
            touches_brist=False,
        )
    brist.status = Status.STANGD
    brist.utfall = utfall
    brist.merged_into = merged_into
    brist.closed_at = now
    brist.updated_at = now
    history.record(brist, HandelseTyp.STANGD, data, user, on, now, comment.strip())
    _flush(brist, expected_version)
    events.closed.send(brist, user=user, comment=comment.strip(), now=now)


def reopen_brist(
    *,
    brist: Brist,
    user: User,
    scope: Scope,
    reason: str,
    expected_version: int,
    now: datetime | None = None,
) -> None:
    """Open a closed brist again; its history stays."""
    scope.require(Operation.WORK_BRISTER, brist.verksamhet_id)
    _check_version(brist, expected_version)
    refuse_personnummer(reason=reason)
    try:
        domain.check_reopen(brist.status)
    except TransitionRefused as error:
        raise _refused(error) from error
    if not reason.strip():
        raise ValidationError(N_("Ange varför bristen öppnas igen."), field="reason")
    now = now or utcnow()
    data = {
        "to": domain.REOPENED_STATUS.value,
        "utfall": brist.utfall.value if brist.utfall else None,
    }
    brist.status = domain.REOPENED_STATUS
    brist.utfall = None
    brist.merged_into = None
    brist.closed_at = None
    brist.updated_at = now
    history.record(brist, HandelseTyp.ATEROPPNAD, data, user, local_today(now), now, reason.strip())
    _flush(brist, expected_version)
    events.reopened.send(brist, now=now)


def propose_escalation(*, brist: Brist, myndighet: str, paminnelser: int, now: datetime) -> None:
    """Mark the brist for escalation: `myndighet` has not answered after `paminnelser` reminders.

    The reminder job calls this while someone may be editing the brist, so the mark is set
    without touching the brist's version (an edit in progress is not made to conflict).
    """
    propose_escalations(brister=[brist], myndighet=myndighet, paminnelser=paminnelser, now=now)


def propose_escalations(
    *, brister: list[Brist], myndighet: str, paminnelser: int, now: datetime
) -> None:
    """`propose_escalation` for many brister at once (a letter to a myndighet): one UPDATE.

    Only brister not already marked get the mark and the history entry.
    """
    if not brister:
        return
    by_id = {brist.id: brist for brist in brister}
    marked = db.session.scalars(
        update(Brist)
        .where(Brist.id.in_(list(by_id)), Brist.escalation_proposed_at.is_(None))
        .values(escalation_proposed_at=now)
        .returning(Brist.id)
        .execution_options(synchronize_session=False)
    ).all()
    for brist_id in sorted(marked):
        history.record(
            by_id[brist_id],
            HandelseTyp.ESKALERING_FORESLAS,
            {"myndighet": myndighet, "reminders": paminnelser},
            None,
            local_today(now),
            now,
            touches_brist=False,
        )


def withdraw_escalation_proposal(*, brist: Brist) -> None:
    """End the escalation proposal: the myndighet has answered after all.

    Like the proposal, this leaves the brist's version alone, so an edit in progress is not
    made to conflict; the answer itself is the entry in the brist's history that explains it.
    """
    db.session.execute(
        update(Brist)
        .where(Brist.id == brist.id, Brist.escalation_proposed_at.is_not(None))
        .values(escalation_proposed_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(brist, ["escalation_proposed_at"])


def note_removed_data(*, brist: Brist, fields: list[str], user: User | None, now: datetime) -> None:
    """Record that personal data was removed from `fields` (table.column) of the brist's data.

    The entry leads to a new version, so an edit opened before the removal cannot save the
    removed text back: it is refused as a conflict.
    """
    brist.updated_at = now
    _refresh_search(brist)  # the index must not keep the words that were removed
    data = {"fields": fields}
    history.record(brist, HandelseTyp.UPPGIFT_BORTTAGEN, data, user, local_today(now), now)
    db.session.flush()
