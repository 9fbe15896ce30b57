"""Verbs on ledningsgrupper and meetings: agendas, minutes, decisions. Never commit."""

import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime
from email.utils import parseaddr
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from systemfel.auth.models import User
from systemfel.brister import history
from systemfel.brister import services as brister_services
from systemfel.brister.domain import HandelseTyp, differing
from systemfel.brister.models import Brist
from systemfel.clock import local_today
from systemfel.dbtypes import utcnow
from systemfel.errors import (
    ConflictError,
    FieldError,
    OutOfScope,
    PermissionDenied,
    ValidationError,
)
from systemfel.extensions import db
from systemfel.followups import services as followups
from systemfel.i18n import N_
from systemfel.meetings import documents, domain, present, queries
from systemfel.meetings.domain import (
    Beslut,
    BeslutTyp,
    GruppTyp,
    MoteRefused,
    MotesStatus,
    OrganTyp,
)
from systemfel.meetings.models import Ledamot, Ledningsgrupp, Lyft, Mote, Punkt
from systemfel.notifications.domain import SenderValues
from systemfel.notifications.models import OutboxMessage
from systemfel.notifications.services import enqueue
from systemfel.privacy.guard import refuse_personnummer
from systemfel.verksamheter.domain import Operation
from systemfel.verksamheter.models import Verksamhet
from systemfel.verksamheter.scope import NOT_YOURS, Scope

CONFLICT = N_("Någon annan har ändrat mötet medan du arbetade. Ingenting sparades.")


NO_SUCH_BRIST = N_("Det finns ingen brist med det numret i gruppens verksamheter.")
DAGORDNING_CHANGED = N_("Dagordningen har ändrats sedan sidan laddades. Ladda om sidan.")
OUTSIDE_SCOPE = N_(
    "Bristen hör till en verksamhet du inte arbetar i: beslutet kan bara verkställas av någon "
    "i den verksamheten. Välj inget beslut här, eller låt dess samordnare spara protokollet."
)


def _refused(error: MoteRefused) -> ValidationError:
    return ValidationError(str(error))


def _require_in_group(scope: Scope, operation: Operation, group: Ledningsgrupp) -> None:
    """Refuse unless the actor may do `operation` and works in one of the group's verksamheter.

    A group may be shared by several verksamheter: each one's samordnare runs its meetings.
    """
    scope.require(operation)
    if not scope.is_everything and not any(map(scope.covers, group.verksamhet_ids)):
        raise OutOfScope(NOT_YOURS)


def _check_version(record: Ledningsgrupp | Mote, expected_version: int) -> None:
    if record.version != expected_version:
        raise ConflictError(CONFLICT, current_version=record.version)


def _flush(expected_version: int) -> None:
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError(CONFLICT, current_version=expected_version + 1) from error


# --- Ledningsgrupper -------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupFields:
    """What a samordnare fills in for a ledningsgrupp."""

    namn: str
    typ: GruppTyp
    verksamheter: list[Verksamhet]
    staende_punkter: str


def _check_group(fields: GroupFields) -> None:
    refuse_personnummer(namn=fields.namn, staende_punkter=fields.staende_punkter)
    if not fields.namn.strip():
        raise ValidationError(N_("Ange ett namn."), field="namn")
    if not fields.verksamheter:
        raise ValidationError(N_("Välj minst en verksamhet."), field="verksamhet_ids")


def create_group(*, fields: GroupFields, scope: Scope) -> Ledningsgrupp:
    """Create a ledningsgrupp over one or more verksamheter, with a secret calendar address."""
    for verksamhet in fields.verksamheter:
        scope.require(Operation.MANAGE_VERKSAMHET, verksamhet.id)
    _check_group(fields)
    group = Ledningsgrupp(
        namn=fields.namn.strip(),
        typ=fields.typ,
        verksamheter=fields.verksamheter,
        staende_punkter=fields.staende_punkter.strip(),
        ics_token=secrets.token_urlsafe(24),
    )
    db.session.add(group)
    db.session.flush()
    return group


def update_group(
    *, group: Ledningsgrupp, fields: GroupFields, expected_version: int, scope: Scope
) -> None:
    """Change a group's name, kind, verksamheter and standing items.

    `fields.verksamheter` are chosen among the actor's own; the group keeps the verksamheter
    outside the actor's scope, which only their own samordnare can take away.
    """
    _require_in_group(scope, Operation.MANAGE_VERKSAMHET, group)
    for verksamhet in fields.verksamheter:
        scope.require(Operation.MANAGE_VERKSAMHET, verksamhet.id)
    _check_version(group, expected_version)
    kept = [v for v in group.verksamheter if not scope.covers(v.id)]
    fields = replace(fields, verksamheter=[*fields.verksamheter, *kept])
    _check_group(fields)
    group.namn = fields.namn.strip()
    group.typ = fields.typ
    group.verksamheter = fields.verksamheter
    group.staende_punkter = fields.staende_punkter.strip()
    _flush(expected_version)


def new_calendar_token(*, group: Ledningsgrupp, scope: Scope) -> None:
    """Give the calendar feed a new secret address; the old one stops working."""
    _require_in_group(scope, Operation.MANAGE_VERKSAMHET, group)
    group.ics_token = secrets.token_urlsafe(24)
    db.session.flush()


def add_member(
    *,
    group: Ledningsgrupp,
    namn: str,
    organisation: str,
    epost: str,
    user: User | None,
    scope: Scope,
) -> Ledamot:
    """Add a member; a member with a login (role ledningsgrupp) reads the group's meetings."""
    _require_in_group(scope, Operation.MANAGE_VERKSAMHET, group)
    refuse_personnummer(namn=namn, organisation=organisation)
    if not namn.strip():
        raise ValidationError(N_("Ange ett namn."), field="namn")
    if not organisation.strip():
        raise ValidationError(
            N_("Ange vilken organisation ledamoten företräder."), field="organisation"
        )
    if user is not None and not set(user.verksamhet_ids) & group.verksamhet_ids:
        raise ValidationError(
            N_("Inloggningen måste höra till någon av gruppens verksamheter."), field="user_id"
        )
    member = Ledamot(
        ledningsgrupp=group,
        namn=namn.strip(),
        organisation=organisation.strip(),
        epost=epost.strip().lower(),
        user=user,
    )
    db.session.add(member)
    db.session.flush()
    return member


def remove_member(*, member: Ledamot, scope: Scope) -> None:
    """Remove a member; minutes they approved keep their name."""
    _require_in_group(scope, Operation.MANAGE_VERKSAMHET, member.ledningsgrupp)
    db.session.delete(member)
    db.session.flush()


# --- Meetings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoteFields:
    """When and where a meeting is, and who approves its minutes."""

    starts_at: datetime
    ends_at: datetime | None
    plats: str
    justerare: Ledamot | None
    ordforande: Ledamot | None = None
    sekreterare: Ledamot | None = None


def _check_mote(group: Ledningsgrupp, fields: MoteFields) -> None:
    refuse_personnummer(plats=fields.plats)
    if fields.ends_at is not None and fields.ends_at <= fields.starts_at:
        raise ValidationError(N_("Sluttiden måste vara efter starttiden."), field="sluttid")
    for field, member in (
        ("justerare_id", fields.justerare),
        ("ordforande_id", fields.ordforande),
        ("sekreterare_id", fields.sekreterare),
    ):
        if member is not None and member.ledningsgrupp_id != group.id:
            raise ValidationError(N_("Välj en ledamot i gruppen."), field=field)


def plan_mote(*, group: Ledningsgrupp, fields: MoteFields, scope: Scope) -> Mote:
    """Plan a meeting of the group."""
    _require_in_group(scope, Operation.MANAGE_VERKSAMHET, group)
    _check_mote(group, fields)
    mote = Mote(
        ledningsgrupp=group,
        starts_at=fields.starts_at,
        ends_at=fields.ends_at,
        plats=fields.plats.strip(),
        justerare=fields.justerare,
        justerare_namn=fields.justerare.namn if fields.justerare else "",
        ordforande_namn=fields.ordforande.namn if fields.ordforande else "",
        sekreterare_namn=fields.sekreterare.namn if fields.sekreterare else "",
    )
    db.session.add(mote)
    db.session.flush()
    return mote


def update_mote(*, mote: Mote, fields: MoteFields, expected_version: int, scope: Scope) -> None:
    """Change time, place or justerare; calendars get the change through a new sequence."""
    _require_in_group(scope, Operation.MANAGE_VERKSAMHET, mote.ledningsgrupp)
    _check_version(mote, expected_version)
    if mote.status in queries.HELD:
        raise ValidationError(N_("Mötet är genomfört. Tid och plats kan inte längre ändras."))
    _refuse_cancelled(mote)
    _check_mote(mote.ledningsgrupp, fields)
    if (fields.starts_at, fields.ends_at, fields.plats.strip()) != (
        mote.starts_at,
        mote.ends_at,
        mote.plats,
    ):
        mote.ics_sequence += 1
    mote.starts_at, mote.ends_at, mote.plats = (
        fields.starts_at,
        fields.ends_at,
        fields.plats.strip(),
    )
    mote.justerare = fields.justerare
    mote.justerare_namn = fields.justerare.namn if fields.justerare else ""
    mote.ordforande_namn = fields.ordforande.namn if fields.ordforande else ""
    mote.sekreterare_namn = fields.sekreterare.namn if fields.sekreterare else ""
    _flush(expected_version)


# --- The agenda -------------------------------------------------------------------------------


def _check_dagordning(mote: Mote, expected_version: int, scope: Scope) -> None:
    _require_in_group(scope, Operation.MANAGE_VERKSAMHET, mote.ledningsgrupp)
    _check_version(mote, expected_version)
    try:
        domain.check_dagordning_editable(mote.status)
    except MoteRefused as error:
        raise _refused(error) from error


def propose_dagordning(*, mote: Mote, expected_version: int, scope: Scope) -> None:
    """Build or regenerate the draft agenda from the rules, keeping the samordnare's edits."""
    _check_dagordning(mote, expected_version, scope)
    proposal = domain.propose_dagordning(queries.dagordning_input(mote))
    existing = {punkt.key: punkt for punkt in mote.punkter}
    plan = domain.merge_draft(
        [
            domain.DraftPunkt(p.key, p.sektion, p.position, p.is_manual, p.is_removed)
            for p in existing.values()
        ],
        proposal,
    )
    for key in plan.delete:
        mote.punkter.remove(existing.pop(key))
    fresh = {proposed.key: proposed for proposed in proposal}
    for proposed in plan.add:
        existing[proposed.key] = Punkt(key=proposed.key, sektion=proposed.sektion, position=0)
        mote.punkter.append(existing[proposed.key])
    for key, punkt in existing.items():
        if key in fresh:
            proposed = fresh[key]
            punkt.brist_id, punkt.forslag = proposed.brist_id, proposed.forslag
            punkt.skal = [reason.value for reason in proposed.skal]
            if not punkt.is_manual:  # an item placed by hand stays where it was put
                punkt.sektion = proposed.sektion
                punkt.rubrik = proposed.rubrik if proposed.brist_id is None else punkt.rubrik
    _renumber(mote, plan.order)
    _take_snapshots(mote)
    _touch(mote, expected_version)


def _renumber(mote: Mote, order: tuple[str, ...] | list[str]) -> None:
    """Give the visible items positions 1..n in `order`; removed ones go after them."""
    by_key = {punkt.key: punkt for punkt in mote.punkter}
    for position, key in enumerate(order, start=1):
        by_key[key].position = position
    hidden = [p for p in mote.punkter if p.key not in set(order)]
    for offset, punkt in enumerate(hidden, start=len(order) + 1):
        punkt.position = offset


def _take_snapshots(mote: Mote) -> None:
    """Copy what each brist item shows from the brist as it is now."""
    ids = [p.brist_id for p in mote.punkter if p.brist_id is not None]
    # Not flushed first: new items are inserted once, with their snapshot, not then updated.
    with db.session.no_autoflush:
        brister = queries.brister_by_id(ids)
        answers = queries.latest_answer_texts(ids)
        events = queries.latest_events(ids)
    for punkt in mote.punkter:
        brist = brister.get(punkt.brist_id) if punkt.brist_id else None
        if brist is None:
            continue
        punkt.rubrik = f"{brist.nummer} {brist.titel}"
        answer = answers.get(brist.id)
        punkt.facts = {
            "nummer": brist.nummer,
            "titel": brist.titel,
            "niva": brist.niva.value,
            "status": brist.status.value,
            "myndighet": brist.myndighet.namn,
            "svar_typ": answer[0] if answer else "",
            "svar_text": answer[1] if answer else "",
            "svar_on": answer[2].isoformat() if answer else "",
            # What members prepare from (issue 13): the description's first sentence and the
            # last line of the history, its kind kept so each reader sees it in their language.
            "kort": domain.short_description(brist.beskrivning),
            **_latest_event_facts(events.get(brist.id)),
        }


def _latest_event_facts(event: tuple[HandelseTyp, date, str] | None) -> dict[str, str]:
    if event is None:
        return {}
    typ, happened_on, text = event
    return {
        "senaste_typ": typ.value,
        "senaste_on": happened_on.isoformat(),
        "senaste_text": domain.short_description(text),
    }


def _touch(mote: Mote, expected_version: int) -> None:
    """Mark the meeting changed, so concurrent edits of its agenda or minutes conflict.

    Changing only its items would leave the meeting's row (and version) alone.
    """
    mote.updated_at = utcnow()
    _flush(expected_version)


def move_punkt(*, mote: Mote, punkt: Punkt, step: int, expected_version: int, scope: Scope) -> None:
    """Move an item one place up or down within its section."""
    _check_dagordning(mote, expected_version, scope)
    visible = mote.visible_punkter
    order = domain.move_in_section([(p.key, p.sektion) for p in visible], punkt.key, step)
    _renumber(mote, order)
    _touch(mote, expected_version)


def remove_punkt(*, mote: Mote, punkt: Punkt, expected_version: int, scope: Scope) -> None:
    """Take an item off the draft; a proposed one stays off when the agenda is regenerated."""
    _check_dagordning(mote, expected_version, scope)
    if punkt.is_manual:
        mote.punkter.remove(punkt)
    else:
        punkt.is_removed = True
    _renumber(mote, [p.key for p in mote.visible_punkter])
    _touch(mote, expected_version)


def restore_punkt(*, mote: Mote, punkt: Punkt, expected_version: int, scope: Scope) -> None:
    """Put a removed proposed item back at the end of its section."""
    _check_dagordning(mote, expected_version, scope)
    punkt.is_removed = False
    punkt.position = 10_000
    visible = sorted(mote.visible_punkter, key=lambda p: (p.sektion.rank, p.position))
    _renumber(mote, [p.key for p in visible])
    _touch(mote, expected_version)


def add_punkt(
    *,
    mote: Mote,
    rubrik: str,
    sektion: domain.Sektion,
    brist: Brist | None,
    expected_version: int,
    scope: Scope,
) -> Punkt:
    """Add an item by hand: free text, or a brist of the group's verksamheter.

    A brist only from the verksamheter the actor works in: in a group shared by several
    verksamheter, one samordnare cannot put another's brist on the agenda (to them it is
    as if it did not exist).
    """
    _check_dagordning(mote, expected_version, scope)
    refuse_personnummer(rubrik=rubrik)
    if brist is not None:
        if not scope.allows(Operation.MANAGE_VERKSAMHET, brist.verksamhet_id):
            raise OutOfScope(NO_SUCH_BRIST, field="brist")
        if brist.verksamhet_id not in mote.ledningsgrupp.verksamhet_ids:
            raise ValidationError(NO_SUCH_BRIST, field="brist")
        key = domain.brist_key(brist.id)
        if any(p.key == key and not p.is_removed for p in mote.punkter):
            raise ValidationError(N_("Bristen finns redan på dagordningen."), field="brist")
        existing = next((p for p in mote.punkter if p.key == key), None)
        if existing is not None:
            mote.punkter.remove(existing)
            db.session.flush()
    elif not rubrik.strip():
        raise ValidationError(N_("Skriv en rubrik."), field="rubrik")
    else:
        key = f"fri:{secrets.token_hex(6)}"
    punkt = Punkt(
        key=key,
        sektion=sektion,
        position=10_000,
        rubrik=" ".join(rubrik.split()),
        brist_id=brist.id if brist else None,
        is_manual=True,
    )
    mote.punkter.append(punkt)
    visible = sorted(mote.visible_punkter, key=lambda p: (p.sektion.rank, p.position))
    _renumber(mote, [p.key for p in visible])
    _take_snapshots(mote)
    _touch(mote, expected_version)
    return punkt


def faststall_dagordning(
    *, mote: Mote, user: User, expected_version: int, scope: Scope, now: datetime | None = None
) -> None:
    """Settle the agenda: its items and their snapshots no longer change."""
    _check_dagordning(mote, expected_version, scope)
    if not mote.visible_punkter:
        raise ValidationError(N_("Dagordningen är tom. Föreslå dagordning först."))
    _take_snapshots(mote)
    mote.status = MotesStatus.DAGORDNING_FASTSTALLD
    mote.faststalld_at = now or utcnow()
    mote.faststalld_by = user
    _touch(mote, expected_version)


def send_dagordning(
    *, mote: Mote, url: str, scope: Scope, user: User | None = None, now: datetime | None = None
) -> int:
    """E-mail the fastställd agenda to the members, with the meeting as a calendar invitation.

    The e-mails (the agenda as DOCX, the invitation as ICS, both in Swedish) go into the
    outbox in this transaction; `url` is the meeting's page, `user` the samordnare who sends
    and signs it. Sent again after the meeting moved, it is the update: the same UID with the
    new SEQUENCE. Returns how many members get it.
    """
    _require_in_group(scope, Operation.MANAGE_VERKSAMHET, mote.ledningsgrupp)
    _refuse_cancelled(mote)
    if mote.status == MotesStatus.PLANERAT:
        raise ValidationError(N_("Fastställ dagordningen innan den skickas."))
    members = [m for m in mote.ledningsgrupp.ledamoter if m.epost]
    if not members:
        raise ValidationError(N_("Ingen ledamot har en e-postadress."))
    now = now or utcnow()
    _enqueue_dagordning(mote, members, url, now, user)
    mote.agenda_sent_at = now
    db.session.flush()
    return len(members)


def _refuse_cancelled(mote: Mote) -> None:
    if mote.cancelled_at is not None:
        raise ValidationError(N_("Mötet är inställt."))


def cancel_mote(
    *,
    mote: Mote,
    url: str,
    expected_version: int,
    scope: Scope,
    user: User | None = None,
    now: datetime | None = None,
) -> int:
    """Call the meeting off ("Ställ in mötet"); return how many members are told.

    A held meeting cannot be called off. When its agenda was sent, every member with an
    address gets a CANCEL for the event in their calendar (the same UID, the next SEQUENCE,
    METHOD:CANCEL) in this transaction; the group's feed shows it as cancelled.
    """
    _require_in_group(scope, Operation.MANAGE_VERKSAMHET, mote.ledningsgrupp)
    _check_version(mote, expected_version)
    if mote.status in queries.HELD:
        raise ValidationError(N_("Mötet är genomfört och kan inte ställas in."))
    _refuse_cancelled(mote)
    now = now or utcnow()
    mote.cancelled_at = now
    members = [m for m in mote.ledningsgrupp.ledamoter if m.epost]
    told = 0
    if mote.agenda_sent_at is not None and members:
        mote.ics_sequence += 1
        _enqueue_cancel(mote, members, url, now, user)
        told = len(members)
    _flush(expected_version)
    return told


def _enqueue_cancel(
    mote: Mote, members: list[Ledamot], url: str, now: datetime, user: User | None
) -> None:
    """One e-mail per member with the CANCEL; the key names the meeting and the member."""
    sender = mail_sender(mote, user)
    with force_locale("sv"):
        event = replace(
            present.ics_event(mote, url, organizer_address(sender), mote.ledningsgrupp.namn),
            cancelled=True,
        )
        cancellation = documents.mote_ics(
            [event], calendar_name=mote.ledningsgrupp.namn, method="CANCEL", stamped_at=now
        )
        doc = present.mote_doc(mote)
        when = documents.swedish_datetime_range(doc.starts_at, doc.ends_at)
        in_subject = documents.swedish_datetime_range(doc.starts_at, doc.ends_at, capitalised=False)
        for member in members:
            enqueue(
                key=f"installt:{mote.id}:{member.id}",
                to=[member.epost],
                subject=f"Inställt: {mote.ledningsgrupp.namn} {in_subject}",
                template="cancelled",
                context={
                    "doc": doc,
                    "member": member,
                    "url": url,
                    "when": when,
                    "signed_by": user.namn if user is not None else "",
                    "sender": sender,
                },
                now=now,
                attachments=[("installt.ics", "text/calendar; method=CANCEL", cancellation)],
                verksamhet=sender,
            )


def mail_sender(mote: Mote, user: User | None) -> SenderValues:
    """Whose mail a meeting's mail is.

    The group's first verksamhet (by name) that has a mailbox, else its first; the reply goes
    to that mailbox, else to the sending samordnare.
    """
    verksamheter = mote.ledningsgrupp.verksamheter
    chosen = next((v for v in verksamheter if v.epost), verksamheter[0] if verksamheter else None)
    fallback = user.email if user is not None else ""
    if chosen is None:
        return SenderValues(mote.ledningsgrupp.namn, fallback)
    return SenderValues(chosen.namn, chosen.epost or fallback)


def organizer_address(sender: SenderValues) -> str:
    """The invitation's ORGANIZER: where a calendar sends its answer (RFC 5546).

    The verksamhet's mailbox or the samordnare's address; MAIL_FROM's only when neither exists.
    """
    return sender.epost or parseaddr(current_app.config["MAIL_FROM"])[1]


def was_sent_before_change(mote: Mote) -> bool:
    """The agenda went out, and the meeting moved since: the members' calendars are stale."""
    if mote.agenda_sent_at is None or mote.status in queries.HELD:
        return False
    sent = db.session.scalar(
        select(OutboxMessage.id)
        .where(OutboxMessage.idempotency_key.startswith(f"agenda:{mote.id}:{mote.ics_sequence}:"))
        .limit(1)
    )
    return sent is None


def _enqueue_dagordning(
    mote: Mote, members: list[Ledamot], url: str, now: datetime, user: User | None
) -> None:
    """One e-mail per member; the key names the meeting's version of time and place."""
    sender = mail_sender(mote, user)
    with force_locale("sv"):
        doc = present.mote_doc(mote)
        invitation = documents.mote_ics(
            [present.ics_event(mote, url, organizer_address(sender), mote.ledningsgrupp.namn)],
            calendar_name=mote.ledningsgrupp.namn,
            method="REQUEST",
            stamped_at=now,
        )
        dagordning = documents.dagordning_docx(doc)
        when = documents.swedish_datetime_range(doc.starts_at, doc.ends_at)
        in_subject = documents.swedish_datetime_range(doc.starts_at, doc.ends_at, capitalised=False)
        is_update = mote.agenda_sent_at is not None  # sent before: this is the change
        subject = (
            f"Ändrad tid eller plats: {mote.ledningsgrupp.namn} {in_subject}"
            if is_update
            else f"Dagordning: {mote.ledningsgrupp.namn} {in_subject}"
        )
        for member in members:
            enqueue(
                key=f"agenda:{mote.id}:{mote.ics_sequence}:{member.id}",
                to=[member.epost],
                subject=subject,
                template="agenda",
                context={
                    "doc": doc,
                    "member": member,
                    "url": url,
                    "when": when,
                    "signed_by": user.namn if user is not None else "",
                    "sender": sender,
                    "is_update": is_update,
                },
                now=now,
                attachments=[
                    ("kallelse.ics", "text/calendar; method=REQUEST", invitation),
                    ("dagordning.docx", documents.DOCX, dagordning),
                ],
                verksamhet=sender,
            )


# --- Minutes and decisions -------------------------------------------------------------------


@dataclass(frozen=True)
class PunktProtokoll:
    """What the minutes say of one item."""

    punkt: Punkt
    anteckning: str
    is_deferred: bool
    beslut: Beslut | None


# A field of the minutes: the form's field name, and the punkt's id for an item's field.
ProtokollField = tuple[str, int | None]


def save_protokoll(
    *,
    mote: Mote,
    protokoll: list[PunktProtokoll],
    expected_version: int,
    apply: bool,
    user: User,
    scope: Scope,
    present: list[Ledamot] | None = None,
    now: datetime | None = None,
) -> None:
    """Save the minutes; with `apply`, carry out every decision on its brist in this transaction.

    Before the decisions are applied, everything can be saved as a draft. Afterwards only the
    notes change until the minutes are justerade. Decisions act only on brister the person
    saving may change in `scope`. A refusal names each field by the punkt it belongs to.
    """
    _require_in_group(scope, Operation.MANAGE_VERKSAMHET, mote.ledningsgrupp)
    _check_version(mote, expected_version)
    _check_protokoll_open(mote, apply)
    now = now or utcnow()
    _check_started(mote, now)
    _refuse_personnummer_in(protokoll)
    if present is not None:
        mote.narvarande = [[member.namn, member.organisation] for member in present]
    decisions_open = mote.status == MotesStatus.DAGORDNING_FASTSTALLD
    for entry in protokoll:
        entry.punkt.anteckning = entry.anteckning.strip()
        if decisions_open:
            _write_decision(entry)
    if apply:
        _check_decisions(mote, protokoll, scope)
        _apply_all(mote, protokoll, user, scope, now)
    _touch(mote, expected_version)


def check_protokoll(
    *,
    mote: Mote,
    protokoll: list[PunktProtokoll],
    expected_version: int,
    scope: Scope,
    now: datetime | None = None,
) -> None:
    """Refuse as save_protokoll(apply=True) would, changing nothing: the confirmation step.

    The page that lists what will be carried out is shown only for minutes that would pass.
    """
    _require_in_group(scope, Operation.MANAGE_VERKSAMHET, mote.ledningsgrupp)
    _check_version(mote, expected_version)
    _check_protokoll_open(mote, True)
    _check_started(mote, now or utcnow())
    _refuse_personnummer_in(protokoll)
    _check_decisions(mote, protokoll, scope)


def _check_started(mote: Mote, now: datetime) -> None:
    """Refuse minutes, decisions and justering of a meeting that has not begun."""
    try:
        domain.check_started(mote.starts_at, now)
    except MoteRefused as error:
        raise _refused(error) from error


def _check_protokoll_open(mote: Mote, apply: bool) -> None:
    _refuse_cancelled(mote)  # a meeting called off has no minutes
    try:
        if apply:
            domain.check_decisions_open(mote.status)
        else:
            domain.check_protokoll_editable(mote.status)
    except MoteRefused as error:
        raise _refused(error) from error


def _refuse_personnummer_in(protokoll: list[PunktProtokoll]) -> None:
    """Refuse the save when any item's notes or decision hold a personnummer, naming each."""
    errors: list[FieldError] = []
    for entry in protokoll:
        texts = {"anteckning": entry.anteckning}
        if entry.beslut is not None:
            texts["beslut_text"] = entry.beslut.text
            texts["beslut_organ_namn"] = entry.beslut.organ_namn
        for field, text in texts.items():
            try:
                refuse_personnummer(**{field: text})
            except ValidationError as error:
                errors.append(FieldError(error.message, field=field, row=entry.punkt.id))
    if errors:
        raise ValidationError(errors[0].message, errors=errors)


def _apply_all(
    mote: Mote, protokoll: list[PunktProtokoll], user: User, scope: Scope, now: datetime
) -> None:
    """Carry out the checked decisions; the meeting is then held."""
    for entry in protokoll:
        if entry.beslut is not None and not entry.is_deferred and entry.punkt.brist:
            _apply(mote, entry.punkt.brist, entry.beslut, user, scope, now)
        if not entry.is_deferred and entry.punkt.brist:
            entry.punkt.brist.marked_for_group_at = None
    mote.status = MotesStatus.GENOMFORT
    mote.genomfort_at = now


def differing_protokoll(
    *, mote: Mote, protokoll: list[PunktProtokoll], present: list[Ledamot] | None = None
) -> list[ProtokollField]:
    """Name the fields where `minutes` say something other than the minutes as saved.

    Fields are ("anteckning", punkt id), ("beslut_typ", punkt id) (the decision),
    ("is_deferred", punkt id) and ("narvarande", None). Decisions count only while open.
    """
    decisions_open = mote.status == MotesStatus.DAGORDNING_FASTSTALLD
    saved = _by_field([_saved_protokoll(m.punkt) for m in protokoll], decisions_open)
    mine = _by_field(protokoll, decisions_open)
    if present is not None:
        named = mote.narvarande
        saved["narvarande", None] = [f"{namn}, {organisation}" for namn, organisation in named]
        mine["narvarande", None] = [f"{m.namn}, {m.organisation}" for m in present]
    return differing(saved, mine)


def _saved_protokoll(punkt: Punkt) -> PunktProtokoll:
    """What the minutes say of the item as saved."""
    return PunktProtokoll(punkt, punkt.anteckning, punkt.is_deferred, punkt.beslut)


def _by_field(
    protokoll: list[PunktProtokoll], decisions_open: bool
) -> dict[ProtokollField, object]:
    """Each item's notes and, while decisions are open, whether and how it was dealt with."""
    fields: dict[ProtokollField, object] = {}
    for entry in protokoll:
        punkt, beslut = entry.punkt, entry.beslut
        fields["anteckning", punkt.id] = entry.anteckning
        if decisions_open:
            fields["is_deferred", punkt.id] = entry.is_deferred
        if decisions_open and punkt.brist_id is not None:
            fields["beslut_typ", punkt.id] = beslut and replace(
                beslut,
                text=beslut.text.strip(),
                ansvarig=beslut.ansvarig.strip(),
                organ_namn=beslut.organ_namn.strip(),
            )
    return fields


def _write_decision(entry: PunktProtokoll) -> None:
    punkt, beslut = entry.punkt, entry.beslut
    punkt.is_deferred = entry.is_deferred
    punkt.beslut_typ = beslut.typ if beslut else None
    punkt.beslut_text = beslut.text.strip() if beslut else ""
    punkt.beslut_ansvarig = beslut.ansvarig.strip() if beslut else ""
    punkt.beslut_senast_on = beslut.senast_on if beslut else None
    punkt.beslut_till_niva = beslut.till_niva if beslut else None
    punkt.beslut_utfall = beslut.utfall if beslut else None
    punkt.beslut_organ_typ = beslut.organ_typ if beslut else None
    punkt.beslut_organ_namn = beslut.organ_namn.strip() if beslut else ""


def _check_decisions(mote: Mote, protokoll: list[PunktProtokoll], scope: Scope) -> None:
    """Refuse the whole save when any decision is incomplete or no longer fits its brist.

    So also when it acts on a brist the person saving may not change (OutOfScope). Every
    problem is named at once, beside the field of the punkt it belongs to.
    """
    mote_on = queries.local_date(mote.starts_at)
    outside: list[FieldError] = []
    wrong: list[FieldError] = []
    # All the items' brister at once, not one statement per item (held here: the session's
    # identity map keeps only weak references).
    loaded = queries.brister_by_id(
        e.punkt.brist_id for e in protokoll if e.punkt.brist_id is not None
    )
    for entry in protokoll:
        brist_id, beslut = entry.punkt.brist_id, entry.beslut
        brist = loaded.get(brist_id) if brist_id is not None else None
        if beslut is None or entry.is_deferred or brist is None:
            continue
        if not scope.allows(domain.operation_for(beslut.typ), brist.verksamhet_id):
            outside.append(FieldError(OUTSIDE_SCOPE, field="beslut_typ", row=entry.punkt.id))
        elif problem := _decision_problem(beslut, brist, mote_on):
            field, message = problem
            wrong.append(FieldError(message, field=field, row=entry.punkt.id))
    if outside:
        raise OutOfScope(OUTSIDE_SCOPE, errors=outside + wrong)
    if wrong:
        raise ValidationError(wrong[0].message, errors=wrong)


def _decision_problem(beslut: Beslut, brist: Brist, mote_on: date) -> tuple[str, str] | None:
    """Return (the form's field, message) for what is wrong with the decision, or None."""
    problem = domain.decision_problem(beslut, brist.niva, mote_on)
    if problem is not None:
        return f"beslut_{problem[0]}", problem[1]
    if brist.is_closed and beslut.typ != BeslutTyp.INFORMATION:
        return "beslut_typ", N_("Bristen är redan stängd. Välj information eller öppna den igen.")
    return None


def decision_data(mote: Mote, beslut: Beslut, svar_senast_on: date | None = None) -> dict[str, Any]:
    """The facts of a decision, for the brist's history (its free text goes beside them).

    A lift adds the body and `svar_senast_on`, the day its answer is expected.
    """
    lift = beslut.typ == BeslutTyp.LYFTA
    return {
        "mote_id": mote.id,
        "grupp": mote.ledningsgrupp.namn,
        "mote_on": queries.local_date(mote.starts_at).isoformat(),
        "beslut": beslut.typ.value,
        "till_niva": beslut.till_niva.value if beslut.till_niva else None,
        "utfall": beslut.utfall.value if beslut.utfall else None,
        "ansvarig": beslut.ansvarig.strip() or None,
        "senast_on": beslut.senast_on.isoformat() if beslut.senast_on else None,
        "organ_typ": beslut.organ_typ.value if lift and beslut.organ_typ else None,
        "organ_namn": beslut.organ_namn.strip() or None if lift else None,
        "svar_senast_on": svar_senast_on.isoformat() if svar_senast_on else None,
    }


def _apply(
    mote: Mote, brist: Brist, beslut: Beslut, user: User, scope: Scope, now: datetime
) -> None:
    """Carry out one decision on its brist, as `user` in `scope`; the decision is an entry too."""
    mote_on = queries.local_date(mote.starts_at)
    svar_senast_on = None
    if beslut.typ == BeslutTyp.LYFTA and beslut.organ_typ is not None:
        svar_senast_on = _lyfta(mote, brist, beslut.organ_typ, beslut.organ_namn, scope, now)
    if beslut.typ == BeslutTyp.ESKALERA and beslut.till_niva is not None:
        brister_services.escalate_brist(
            brist=brist,
            user=user,
            scope=scope,
            to_niva=beslut.till_niva,
            reason=beslut.text.strip(),
            expected_version=brist.version,
            now=now,
            mote_id=mote.id,
            happened_on=mote_on,
        )
    elif beslut.typ == BeslutTyp.AVSLUTA and beslut.utfall is not None:
        brister_services.close_brist(
            brist=brist,
            user=user,
            scope=scope,
            utfall=beslut.utfall,
            comment=beslut.text.strip(),
            expected_version=brist.version,
            now=now,
            mote_id=mote.id,
            happened_on=mote_on,
        )
    elif beslut.typ in (BeslutTyp.ATGARD, BeslutTyp.BEVAKA) and beslut.senast_on is not None:
        if followups.open_bevakning(brist) is not None:
            followups.move_bevakning(
                brist=brist,
                user=None,
                scope=scope,
                due_on=beslut.senast_on,
                cause="beslut",
                mote_id=mote.id,
                now=now,
            )
    history.record(
        brist,
        HandelseTyp.BESLUT,
        decision_data(mote, beslut, svar_senast_on),
        user,
        mote_on,
        now,
        beslut.text.strip(),
        touches_brist=False,
    )
    db.session.flush()


def _lyfta(
    mote: Mote, brist: Brist, organ_typ: OrganTyp, organ_namn: str, scope: Scope, now: datetime
) -> date:
    """Record the lift and wait for the body's answer: the bevakning moves to its deadline."""
    mote_on = queries.local_date(mote.starts_at)
    svar_senast_on = domain.lyft_svar_senast(
        mote_on, current_app.config["LYFT_ANSWER_WORKING_DAYS"], followups.calendar(mote_on)
    )
    db.session.add(
        Lyft(
            brist=brist,
            mote=mote,
            organ_typ=organ_typ,
            organ_namn=organ_namn.strip(),
            lifted_on=mote_on,
            svar_senast_on=svar_senast_on,
            created_at=now,
        )
    )
    if followups.open_bevakning(brist) is not None:
        followups.move_bevakning(
            brist=brist,
            user=None,
            scope=scope,
            due_on=svar_senast_on,
            cause="beslut",
            mote_id=mote.id,
            now=now,
        )
    return svar_senast_on


def record_organ_svar(
    *,
    lyft: Lyft,
    svar_on: date | None,
    text: str,
    user: User,
    scope: Scope,
    now: datetime | None = None,
) -> None:
    """Record the answer of the body a brist was lifted to; it goes into the brist's history.

    An ombud records it (the body has no account and no answer link). Once only: a second
    answer is a new observation or a follow-up on the brist.
    """
    brist = lyft.brist
    scope.require(Operation.WORK_BRISTER, brist.verksamhet_id)
    refuse_personnummer(text=text)
    now = now or utcnow()
    if lyft.svar_on is not None:
        raise ValidationError(N_("Organets svar är redan registrerat."))
    problem = domain.organ_svar_problem(svar_on, text, lyft.lifted_on, local_today(now))
    if problem is not None or svar_on is None:
        field, message = problem or ("svar_on", N_("Ange ett datum som ÅÅÅÅ-MM-DD."))
        raise ValidationError(message, field=field)
    lyft.svar_on = svar_on
    lyft.svar_text = text.strip()
    lyft.svar_by = user
    lyft.svar_recorded_at = now
    history.record(
        brist,
        HandelseTyp.ORGAN_SVAR,
        {"organ_namn": lyft.organ_namn, "svar_on": svar_on.isoformat(), "lyft_id": lyft.id},
        user,
        svar_on,
        now,
        text.strip(),
        touches_brist=False,
    )
    db.session.flush()


def justera(
    *, mote: Mote, user: User, expected_version: int, scope: Scope, now: datetime | None = None
) -> None:
    """Approve the minutes: by the justerare's own login, or recorded by a samordnare."""
    if not queries.sees_group(scope, mote.ledningsgrupp):
        raise OutOfScope(NOT_YOURS)
    _check_version(mote, expected_version)
    _refuse_cancelled(mote)
    try:
        domain.check_justering(mote.status)
    except MoteRefused as error:
        raise _refused(error) from error
    is_justerare = mote.justerare is not None and mote.justerare.user_id == user.id
    if not (is_justerare or scope.allows(Operation.MANAGE_VERKSAMHET)):
        raise PermissionDenied(N_("Bara den valda justeraren eller samordnaren kan justera."))
    now = now or utcnow()
    _check_started(mote, now)
    if mote.justerare is None and not mote.justerare_namn:
        raise ValidationError(N_("Välj justerare för mötet först."))
    mote.status = MotesStatus.PROTOKOLL_JUSTERAT
    mote.justerad_at = now
    mote.justerad_by = user
    _touch(mote, expected_version)


# --- Brister marked for the group -------------------------------------------------------------


def mark_for_group(
    *, brist: Brist, user: User, marked: bool, scope: Scope, now: datetime | None = None
) -> None:
    """An ombud asks for the brist to be taken up at the next meeting (or takes that back)."""
    scope.require(Operation.WORK_BRISTER, brist.verksamhet_id)
    now = now or utcnow()
    if marked == (brist.marked_for_group_at is not None):
        return
    brist.marked_for_group_at = now if marked else None
    history.record(
        brist, HandelseTyp.TAS_UPP_I_LEDNINGSGRUPP, {"marked": marked}, user, local_today(now), now
    )
    db.session.flush()
