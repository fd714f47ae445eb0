"""Your own pytest tests of the built warehouse, next to the checks in project.yml.

Run them with the build: ``pytest --fft-seed --fft-run``. pytest-fft gives three fixtures:

- ``fft_project``: the loaded project (``.models``, ``.seeds``, ``.root``);
- ``fft_engine``: the warehouse once the session's build is done (read-only), with
  ``.query(sql)`` returning a list of tuples;
- ``fft_relation``: ``fft_relation("mart_users")`` (or the node name ``"mart_users.ff"``)
  returns that relation as a pandas DataFrame.
"""


def test_the_project_has_its_models(fft_project):
    assert set(fft_project.models) == {
        "users.ff", "orders.ff", "users_enriched", "mart_users.ff", "mart_orders_enriched"}
    assert set(fft_project.seeds) == {"seed_users", "seed_orders"}
    assert (fft_project.root / "project.yml").is_file()


def test_one_mart_row_per_user(fft_engine):
    assert fft_engine.query("select count(*) from users") == [(3,)]
    assert fft_engine.query("select count(*), count(distinct id) from mart_users") == [(3, 3)]


def test_emails_are_lower_case(fft_relation):
    emails = fft_relation("mart_users")["email"]
    assert (emails == emails.str.lower()).all()


def test_gmail_flag(fft_relation):
    users = fft_relation("mart_users.ff").sort_values("id")
    assert users["email"].tolist() == ["a@example.com", "b@gmail.com", "c@gmail.com"]
    assert users["is_gmail"].tolist() == [False, True, True]


def test_every_order_has_its_user(fft_engine):
    assert fft_engine.query(
        "select order_id, email, valid_amt from mart_orders_enriched order by order_id"
    ) == [(100, "a@example.com", True), (101, "b@gmail.com", True)]
