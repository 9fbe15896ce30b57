"""The start page per role ("/"): what the signed-in person should do or know first.

It keeps its old endpoint `followups.my_work` (links everywhere point to it) but lives here,
above meetings and reports, whose facts a samordnare's and a member's start page show.
"""

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from systemfel.access import current_scope
from systemfel.auth.domain import Role
from systemfel.clock import local_today
from systemfel.followups import queries as followups_queries
from systemfel.followups.views import blueprint
from systemfel.start import queries


@blueprint.route("/")
@login_required
def my_work():
    """The start page of the signed-in person's role.

    Ombud: register, my open brister, follow-ups due, my requests awaiting an answer.
    Samordnare: the same, and the next meetings, the year's report, late agencies.
    Ledningsgrupp member: the next meeting of each of their groups, with its agenda.
    """
    scope, today = current_scope(), local_today()
    if current_user.role == Role.LEDNINGSGRUPP:
        return render_template(
            "followups/member_start.html", moten=queries.next_moten(scope=scope, today=today)
        )
    if not current_user.role.can_work_brister or current_user.role.is_system_wide:
        return redirect(url_for("brister.list_brister"))
    is_samordnare = current_user.role.can_close_brister
    whole = request.args.get("visa") == "alla" and is_samordnare
    ansvarig_id = None if whole else current_user.id
    work = followups_queries.work_list(
        scope=scope, ansvarig_id=ansvarig_id, today=today, with_late_answers=is_samordnare
    )
    kontroller = followups_queries.efterkontroller_due(
        scope=scope, ansvarig_id=ansvarig_id, today=today
    )
    report = None
    if is_samordnare and scope.verksamhet_ids:
        report = queries.year_report(verksamhet_ids=scope.verksamhet_ids, year=today.year)
    return render_template(
        "followups/my_work.html",
        work=work,
        kontroller=kontroller,
        whole=whole,
        is_samordnare=is_samordnare,
        today=today,
        brister=queries.my_open_brister(scope=scope, user_id=current_user.id),
        awaiting=queries.awaiting_answers(scope=scope, user_id=current_user.id, today=today),
        moten=queries.next_moten(scope=scope, today=today) if is_samordnare else [],
        report=report,
        shown=queries.SHOWN,
    )
