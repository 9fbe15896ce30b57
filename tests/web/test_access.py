import re
import pytest
from datetime import date
pytestmark = pytest.mark.filterwarnings("ignore:Passing SelectField choices as tuples:DeprecationWarning")

def show(r):
    html = r.get_data(as_text=True)
    print(r.status_code, r.headers.get("Location"), re.findall(r'class="field-error".*?</p>', html, re.S), re.findall(r'class="error-summary".*?</div>', html, re.S))

def test_probe(app, world, login, client):
    c = login("ombud")
    show(c.get("/brister/ny"))
    show(c.post("/brister/ny", {"titel": "", "antal_klienter": "tre", "niva": "xx", "first_observed_on": "2026-13-01"}))
    show(c.post(f"/brister/{world.brist.id}/eskalera", {"niva": "handlaggare", "reason": ""}))
    show(c.post(f"/brister/{world.brist.id}/observation", {"antal_klienter": "0", "observed_on": "2099-01-01"}))
    show(c.post(f"/brister/{world.brist.id}/status", {"status": "stangd"}))
    show(client.get("/brister/ny?verksamhet=1"))
    show(client.post("/brister/1/stang"))
    show(client.post("/login?next=//evil.example", {"email": "ombud@hemma.example", "password": "test-losen-123", "next": "//evil.example"}))
