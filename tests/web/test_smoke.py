def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Logga in" in response.get_data(as_text=True)


def test_ombud_sees_own_brist(login, world):
    response = login("ombud").get(f"/brister/{world.brist.id}")
    assert response.status_code == 200
    assert world.brist.nummer in response.get_data(as_text=True)
