"""Anonymous demo data: two fictional verksamheter, their staff and a year of brister."""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from sqlalchemy import select

from systemfel.auth import services as accounts
from systemfel.auth.domain import Role
from systemfel.auth.models import User
from systemfel.brister import services as brister_services
from systemfel.brister.domain import Niva, Status, Utfall
from systemfel.brister.models import Brist
from systemfel.brister.services import BristFields
from systemfel.clock import STOCKHOLM, local_today
from systemfel.extensions import db
from systemfel.followups import services as followups
from systemfel.followups.domain import Kanal, SvarTyp
from systemfel.followups.models import Kontakt
from systemfel.meetings import services as meetings
from systemfel.meetings.domain import Beslut, BeslutTyp, GruppTyp
from systemfel.meetings.models import Ledamot, Mote
from systemfel.verksamheter import services as verksamheter_services
from systemfel.verksamheter.models import Myndighet, Omrade, Verksamhet
from systemfel.verksamheter.scope import Scope

# A row the demo data names per verksamhet (both are unique by verksamhet and name).
_Named = TypeVar("_Named", Myndighet, Omrade)

PASSWORD = "demo-losen-2026"  # noqa: S105 - printed by `make run`; demo data only

# (email, name, role, verksamheter by index)
STAFF = [
    ("admin@demo.systemfel.se", "Alva Admin", Role.ADMIN, []),
    ("samordnare@sjostad.demo.se", "Sara Samordnare", Role.SAMORDNARE, [0]),
    ("ombud@sjostad.demo.se", "Olle Ombud", Role.OMBUD, [0]),
    ("ombud2@sjostad.demo.se", "Oskar Ombudsson", Role.OMBUD, [0]),
    ("ledningsgrupp@sjostad.demo.se", "Leila Ledningsgrupp", Role.LEDNINGSGRUPP, [0]),
    ("samordnare@alvdalen.demo.se", "Elsa Samordnare", Role.SAMORDNARE, [1]),
    ("ombud@alvdalen.demo.se", "Aron Ombud", Role.OMBUD, [1]),
]

VERKSAMHETER = [
    ("PO Sjöstad", ["Sjöstad", "Norrvik"]),
    ("PO Älvdalen med omnejd", ["Älvby", "Forsa", "Lövmo"]),
]

# (title, description, level, myndighet, område, days ago first seen, clients,
#  consequences, proposal, final status, outcome)
BRISTER = [
    (
        "Beslut om sjukpenning kommer utan förklaring av vad som saknas",
        "Avslagsbeslut räknar upp paragrafer men säger inte vilket underlag som fattas. "
        "Klienterna förstår inte vad de ska komplettera med och missar tidsfristen.",
        Niva.CENTRAL,
        "Försäkringskassan",
        "Ekonomi",
        240,
        6,
        "Ärenden avslutas i onödan och klienter blir utan inkomst i flera månader.",
        "Beslutsbreven bör ange konkret vilket underlag som behövs och hur det lämnas.",
        Status.LYFT,
        None,
    ),
    (
        "Telefontiden till handläggare räcker inte för målgruppen",
        "Det går bara att nå handläggaren under en timme två dagar i veckan, och kön bryts ofta. "
        "Ombudet har fått ringa om flera gånger för samma ärende.",
        Niva.LOKAL,
        "Försäkringskassan",
        "Tillgänglighet och kontaktvägar",
        180,
        9,
        "Klienter med ångest ger upp kontakten, ärenden blir liggande.",
        "Möjlighet att boka telefontid, eller en särskild kontaktväg för ombud.",
        Status.BEVAKAS,
        None,
    ),
    (
        "Klienter bollas mellan psykiatrin och beroendevården",
        "När en klient har både psykisk ohälsa och missbruk hänvisar mottagningarna till varandra. "
        "Ingen tar ansvar för samordningen och det blir ingen samordnad individuell plan.",
        Niva.LOKAL,
        "Regionens psykiatri",
        "Vård och psykiatri",
        300,
        5,
        "Vården uteblir eller kommer sent, med ökad risk för akuta inläggningar.",
        "Gemensam rutin för samsjuklighet och att SIP erbjuds utan att ombudet "
        "behöver påkalla det.",
        Status.LYFT,
        None,
    ),
    (
        "Försörjningsstöd betalas ut för sent vid nyansökan",
        "Handläggningstiden för nyansökan är ofta fyra till sex veckor. Under tiden "
        "finns inga pengar till hyra och mat.",
        Niva.LOKAL,
        "Socialtjänsten – ekonomiskt bistånd",
        "Ekonomi",
        200,
        7,
        "Hyresskulder, risk för vräkning och beroende av tillfälliga lån.",
        "Snabbspår för akuta behov och tydlig information om hur lång tid handläggningen tar.",
        Status.BEVAKAS,
        None,
    ),
    (
        "Bristande bemötande vid besök på arbetsförmedlingens kontor",
        "Klienter berättar att de blivit tillsagda att de måste klara digitala tjänster själva och "
        "inte fått hjälp på plats.",
        Niva.HANDLAGGARE,
        "Arbetsförmedlingen",
        "Sysselsättning och arbete",
        90,
        3,
        "Klienterna skrivs ut från myndigheten och förlorar ersättning.",
        "Information till personalen om målgruppen och om serviceskyldigheten.",
        Status.REGISTRERAD,
        None,
    ),
    (
        "Digitala kontaktvägar stänger ute den som saknar e-legitimation",
        "Allt fler tjänster kräver BankID. Flera klienter kan inte få e-legitimation och nekas då "
        "service, eller får vänta länge på en fysisk tid.",
        Niva.CENTRAL,
        "Skatteverket",
        "Tillgänglighet och kontaktvägar",
        330,
        11,
        "Klienter kan inte ta del av sina ärenden och blir beroende av andra.",
        "Alternativa kontaktvägar som inte kräver e-legitimation ska finnas och vara kända.",
        Status.LYFT,
        None,
    ),
    (
        "Gode män saknas – lång väntan på förordnande",
        "Det tar ofta över ett halvår innan en god man förordnas. Under tiden hanterar ingen "
        "ekonomin och räkningar blir obetalda.",
        Niva.LOKAL,
        "Överförmyndaren",
        "Gode män och förvaltare",
        150,
        4,
        "Skulder hos Kronofogden som hade kunnat undvikas.",
        "Rekrytering av fler ställföreträdare och en tillfällig lösning under väntetiden.",
        Status.BEVAKAS,
        None,
    ),
    (
        "Boendestöd beviljas med för få timmar",
        "Beslut om boendestöd ger oftast en timme i veckan, också när behovet är större. "
        "Insatsen hinner inte göra skillnad.",
        Niva.LOKAL,
        "Socialtjänsten – boendestöd",
        "Socialt stöd",
        120,
        5,
        "Risk att förlora bostaden och ökad isolering.",
        "Bedömningen bör utgå från individens behov och följas upp efter tre månader.",
        Status.STANGD,
        Utfall.DELVIS_ATGARDAD,
    ),
    (
        "Utdrag om skulder skickas bara digitalt",
        "Information om skuldsanering och betalningsplaner skickas till digital brevlåda, som "
        "många i målgruppen inte har eller inte öppnar.",
        Niva.CENTRAL,
        "Kronofogden",
        "Ekonomi",
        60,
        2,
        "Frister missas och skulderna växer.",
        "Papperspost som standard när den enskilde inte aktivt valt digital brevlåda.",
        Status.REGISTRERAD,
        None,
    ),
    (
        "Hyresvärden kräver fast inkomst för förstahandskontrakt",
        "Bostadsbolaget godtar inte sjukersättning eller försörjningsstöd som inkomst vid ansökan "
        "om lägenhet.",
        Niva.LOKAL,
        "Bostadsbolaget",
        "Bostad",
        270,
        3,
        "Klienter blir kvar i andrahandskontrakt eller träningslägenheter i åratal.",
        "Se över uthyrningspolicyn tillsammans med kommunen.",
        Status.STANGD,
        Utfall.ATGARDAD,
    ),
]


def has_data() -> bool:
    """Is there any account already?"""
    return db.session.scalar(select(User.id).limit(1)) is not None


def _named(model: type[_Named], verksamhet: Verksamhet, namn: str) -> _Named:
    return db.session.execute(
        select(model).where(model.verksamhet_id == verksamhet.id, model.namn == namn)
    ).scalar_one()


class _Timeline:
    """Demo events, each at its own moment, carried out in time order through the services.

    Every service is given its moment as `now=`, so each brist's history runs forward in time
    as it would over a real year (issue 13): registered over months, raised and answered
    later, closed weeks after.
    """

    def __init__(self) -> None:
        self._events: list[tuple[datetime, int, Callable[[datetime], object]]] = []

    def at(self, when: datetime, event: Callable[[datetime], object]) -> None:
        self._events.append((when, len(self._events), event))

    def run(self) -> None:
        for when, _order, event in sorted(self._events, key=lambda item: item[:2]):
            event(when)


def load() -> list[tuple[str, str, str]]:
    """Create the demo verksamheter, accounts and a year of brister; return the logins."""
    verksamheter = [
        verksamheter_services.create_verksamhet(
            scope=Scope.everything(), namn=namn, kommuner=kommuner
        )
        for namn, kommuner in VERKSAMHETER
    ]
    _add_addresses(verksamheter[0])
    users = []
    for email, namn, role, indexes in STAFF:
        user, _ = accounts.create_user(
            scope=Scope.everything(),
            actor_role=Role.ADMIN,
            email=email,
            namn=namn,
            role=role,
            verksamheter=[verksamheter[i] for i in indexes],
            password=PASSWORD,
        )
        users.append(user)
    now = datetime.now(UTC)
    timeline = _Timeline()
    brister: dict[int, Brist] = {}  # by position in BRISTER, filled as they are registered
    for position, row in enumerate(BRISTER):
        verksamhet = verksamheter[0] if position < 8 else verksamheter[1]
        staff = [u for u in users if verksamhet in u.verksamheter and u.role.can_work_brister]
        _demo_brist(timeline, brister, position, verksamhet, staff[position % len(staff)], row, now)
    _demo_contacts(timeline, brister, now)
    _demo_moten(timeline, verksamheter[0], users, brister, now)
    timeline.run()
    return [(email, PASSWORD, role.value) for email, _n, role, _v in STAFF]


def _day(moment: datetime) -> date:
    return local_today(moment)


def _raise(
    brister: dict[int, Brist],
    position: int,
    kanal: Kanal,
    summary: str,
    *,
    send_email: bool = False,
) -> Callable[[datetime], Kontakt]:
    """The event of raising a brist with its myndighet, on the day of the event."""

    def event(when: datetime) -> Kontakt:
        brist = brister[position]
        return followups.raise_with_myndighet(
            brist=brist,
            user=brist.ansvarig,
            scope=Scope.everything(),
            myndighet=brist.myndighet,
            kanal=kanal,
            contacted_on=_day(when),
            send_email=send_email,
            answer_due_on=None,
            summary=summary,
            now=when,
        )

    return event


def _demo_contacts(timeline: _Timeline, brister: dict[int, Brist], now: datetime) -> None:
    """A late request, an answered one with a promise, a meeting; two overdue follow-ups."""
    kontakter: dict[str, Kontakt] = {}
    summary = "Vi ser att beslutsbreven inte anger vilket underlag som saknas."
    timeline.at(now - timedelta(days=45), _raise(brister, 0, Kanal.EPOST, summary,
                                                 send_email=True))  # fmt: skip
    asked = _raise(brister, 2, Kanal.EPOST, "Samverkansmöte om samsjuklighet begärt.")
    timeline.at(now - timedelta(days=20), lambda when: kontakter.update(answered=asked(when)))
    timeline.at(
        now - timedelta(days=5),
        lambda when: followups.record_answer(
            kontakt=kontakter["answered"],
            typ=SvarTyp.ATGARD_UTLOVAD,
            diarienummer="RS 2026/0412",
            text="En gemensam rutin tas fram under våren.",
            responsible_body="",
            promised_on=_day(now) + timedelta(days=60),
            now=when,
        ),
    )
    summary = "Togs upp på samverkansmöte med enhetschefen."
    timeline.at(now - timedelta(days=10), _raise(brister, 3, Kanal.MOTE, summary))
    _demo_agency_loop(timeline, brister, kontakter, now)
    for position in (1, 4):
        timeline.at(now - timedelta(hours=1), _overdue(brister, position, _day(now)))


def _overdue(brister: dict[int, Brist], position: int, today: date) -> Callable[[datetime], None]:
    """The event of moving a brist's follow-up to three days ago: an overdue one to show."""

    def event(when: datetime) -> None:
        followups.move_bevakning(
            brist=brister[position],
            user=None,
            scope=Scope.everything(),
            due_on=today - timedelta(days=3),
            reason="Demodata: försenad bevakning.",
            now=when,
        )

    return event


def _demo_agency_loop(
    timeline: _Timeline, brister: dict[int, Brist], kontakter: dict[str, Kontakt], now: datetime
) -> None:
    """A request the myndighet confirmed receiving, a broken promise, a paused clock."""
    summary = "Vi ser att den som saknar e-legitimation inte kan nå sina uppgifter."
    received = _raise(brister, 5, Kanal.EPOST, summary, send_email=True)
    timeline.at(now - timedelta(days=8), lambda when: kontakter.update(received=received(when)))
    timeline.at(
        now - timedelta(days=6),
        lambda when: followups.acknowledge_receipt(
            kontakt=kontakter["received"],
            handlaggare="Enheten för digitala tjänster",
            diarienummer="SKV 2026/1187",
            now=when,
        ),
    )
    summary = "Väntetiden på förordnande av god man är över ett halvår."
    promised = _raise(brister, 6, Kanal.BREV, summary)
    timeline.at(now - timedelta(days=60), lambda when: kontakter.update(promised=promised(when)))
    timeline.at(
        now - timedelta(days=45),
        lambda when: followups.record_answer(
            kontakt=kontakter["promised"],
            typ=SvarTyp.ATGARD_UTLOVAD,
            diarienummer="ÖF 2026/88",
            text="Fler gode män rekryteras; kön ska vara borta inom en månad.",
            responsible_body="",
            promised_on=_day(now) - timedelta(days=14),
            now=when,
        ),
    )
    summary = "Telefontiden räcker inte för den som behöver stöd att ringa."
    waiting = _raise(brister, 1, Kanal.EPOST, summary, send_email=True)
    timeline.at(now - timedelta(days=5), lambda when: kontakter.update(waiting=waiting(when)))
    timeline.at(
        now - timedelta(days=2),
        lambda when: followups.pause_kontakt(
            kontakt=kontakter["waiting"],
            user=brister[1].ansvarig,
            scope=Scope.everything(),
            now=when,
        ),
    )


def _demo_moten(
    timeline: _Timeline,
    verksamhet: Verksamhet,
    users: list[User],
    brister: dict[int, Brist],
    now: datetime,
) -> None:
    """A ledningsgrupp with members, a held and justerat meeting, and the next one planned."""
    samordnare = next(u for u in users if u.role == Role.SAMORDNARE)
    group = meetings.create_group(
        scope=Scope.everything(),
        fields=meetings.GroupFields(
            namn="Ledningsgruppen för personligt ombud Sjöstad–Norrvik",
            typ=GruppTyp.ARBETANDE,
            verksamheter=[verksamhet],
            staende_punkter="Ledningsgruppens sammansättning\nRapport från verksamheten",
        ),
    )
    login = next(u for u in users if u.role == Role.LEDNINGSGRUPP)
    members = [
        meetings.add_member(
            scope=Scope.everything(),
            group=group,
            namn=login.namn,
            organisation="Regionens psykiatri",
            epost=login.email,
            user=login,
        )
    ]
    for namn, organisation in [
        ("Kim Kommun", "Sjöstads kommun, socialförvaltningen"),
        ("Fia Försäkring", "Försäkringskassan"),
        ("Ruben RSMH", "RSMH Sjöstad"),
    ]:
        members.append(
            meetings.add_member(
                scope=Scope.everything(),
                group=group,
                namn=namn,
                organisation=organisation,
                epost="",
                user=None,
            )
        )
    held_fields = _mote_fields(_day(now) - timedelta(days=60), members[0])
    held_starts = held_fields.starts_at
    moten: dict[str, Mote] = {}

    def plan_and_settle(when: datetime) -> None:
        held = meetings.plan_mote(scope=Scope.everything(), group=group, fields=held_fields)
        meetings.propose_dagordning(
            scope=Scope.everything(), mote=held, expected_version=held.version
        )
        meetings.faststall_dagordning(
            scope=Scope.everything(), mote=held, user=samordnare,
            expected_version=held.version, now=when,
        )  # fmt: skip
        moten["held"] = held

    def minutes(when: datetime) -> None:
        held = moten["held"]
        protokoll = [
            meetings.PunktProtokoll(
                punkt=punkt,
                anteckning="Ledningsgruppen informerades." if punkt.brist_id else "",
                is_deferred=False,
                beslut=Beslut(BeslutTyp.INFORMATION) if punkt.brist_id else None,
            )
            for punkt in held.visible_punkter
        ]
        meetings.save_protokoll(
            scope=Scope.everything(),
            mote=held,
            protokoll=protokoll,
            expected_version=held.version,
            apply=True,
            user=samordnare,
            now=when,
        )

    timeline.at(held_starts - timedelta(days=10), plan_and_settle)
    timeline.at(held_starts + timedelta(hours=2), minutes)
    timeline.at(
        held_starts + timedelta(days=3),
        lambda when: meetings.justera(
            scope=Scope.everything(), mote=moten["held"], user=samordnare,
            expected_version=moten["held"].version, now=when,
        ),
    )  # fmt: skip
    timeline.at(
        now - timedelta(days=1),
        lambda when: meetings.mark_for_group(
            scope=Scope.everything(), brist=brister[5], user=brister[5].ansvarig, marked=True,
            now=when,
        ),
    )  # fmt: skip
    timeline.at(
        now - timedelta(minutes=30),
        lambda when: meetings.plan_mote(
            scope=Scope.everything(),
            group=group,
            fields=_mote_fields(_day(now) + timedelta(days=14), members[0]),
        ),
    )


def _mote_fields(day: date, justerare: Ledamot) -> meetings.MoteFields:
    starts = datetime.combine(day, time(13), STOCKHOLM)
    return meetings.MoteFields(starts, starts + timedelta(hours=2), "Stadshuset, sal 2", justerare)


def _add_addresses(verksamhet: Verksamhet) -> None:
    """Give a few myndigheter functional mailboxes (example domains only)."""
    for namn, address in [
        ("Försäkringskassan", "samverkan.sjostad@fk.example"),
        ("Regionens psykiatri", "psykiatri.nordost@region.example"),
        ("Socialtjänsten – ekonomiskt bistånd", "ekonomisktbistand@sjostad.example"),
        ("Skatteverket", "samverkan@skatteverket.example"),
    ]:
        _named(Myndighet, verksamhet, namn).epost = address


def _demo_brist(
    timeline: _Timeline,
    brister: dict[int, Brist],
    position: int,
    verksamhet: Verksamhet,
    user: User,
    row: tuple,
    now: datetime,
) -> None:
    """A brist's own year, each step through its service at its own moment.

    First seen `days_ago`, registered two days later, seen again half way to today (a closed
    one a month after registering); raised a week after registering, watched two weeks
    later, closed six weeks after registering.
    """
    (
        titel,
        beskrivning,
        niva,
        myndighet,
        omrade,
        days_ago,
        clients,
        konsekvenser,
        forslag,
        final_status,
        utfall,
    ) = row
    registered = now - timedelta(days=days_ago - 2)

    def register(when: datetime) -> None:
        brister[position] = brister_services.register_brist(
            verksamhet=verksamhet,
            user=user,
            scope=Scope.everything(),
            prefix="SF",
            fields=BristFields(
                titel=titel,
                beskrivning=beskrivning,
                niva=niva,
                myndighet_id=_named(Myndighet, verksamhet, myndighet).id,
                other_myndighet_ids=[],
                omrade_id=_named(Omrade, verksamhet, omrade).id,
                first_observed_on=_day(now) - timedelta(days=days_ago),
                antal_klienter=clients,
                konsekvenser=konsekvenser,
                forslag_atgard=forslag,
                ansvarig_id=user.id,
            ),
            now=when,
        )

    timeline.at(registered, register)
    seen_again = now - timedelta(days=days_ago // 2)
    if final_status == Status.STANGD:
        seen_again = registered + timedelta(days=30)
    timeline.at(
        seen_again,
        lambda when: brister_services.add_observation(
            brist=brister[position],
            user=user,
            scope=Scope.everything(),
            observed_on=_day(when),
            antal_klienter=max(1, clients // 2),
            anteckning="Samma mönster igen.",
            now=when,
        ),
    )
    if final_status in (Status.LYFT, Status.BEVAKAS, Status.STANGD):
        summary = "Lyft med myndighetens samverkansansvarige."
        raised = registered + timedelta(days=7)
        timeline.at(raised, _raise(brister, position, Kanal.MOTE, summary))
        timeline.at(raised + timedelta(minutes=5), _move(brister, position, user, Status.LYFT,
                                                         summary))  # fmt: skip
    if final_status in (Status.BEVAKAS, Status.STANGD):
        watched = _move(brister, position, user, Status.BEVAKAS, "Svar väntas; följs upp.")
        timeline.at(registered + timedelta(days=21), watched)
    if final_status == Status.STANGD:
        timeline.at(
            registered + timedelta(days=42),
            lambda when: brister_services.close_brist(
                brist=brister[position],
                user=user,
                scope=Scope.everything(),
                utfall=utfall,
                expected_version=brister[position].version,
                comment="Myndigheten har ändrat sin rutin.",
                now=when,
                happened_on=_day(when),
            ),
        )


def _move(brister: dict[int, Brist], position: int, user: User, to: Status, comment: str
          ) -> Callable[[datetime], None]:  # fmt: skip
    def event(when: datetime) -> None:
        brist = brister[position]
        brister_services.move_brist(
            brist=brist, user=user, scope=Scope.everything(), to_status=to,
            expected_version=brist.version, comment=comment, now=when,
        )  # fmt: skip

    return event
