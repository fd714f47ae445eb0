"""Column lineage of Python (pandas) models, read from their source
(pytest_fft.docs.python_lineage): the recognised patterns, and unknown for the rest."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from pytest_fft.docs import python_lineage as python_lineage_module
from pytest_fft.docs.lineage import unknown
from pytest_fft.docs.python_lineage import python_lineage
from tests.core.docs.lineage_builders import changed, plain
from tests.core.docs.python_lineage_source import lineage

EXAMPLES = Path(__file__).parents[3] / "examples"

U = unknown


def test_rename_and_copied_columns_are_not_transformed() -> None:
    assert lineage('''
        def build(df):
            out = df.rename(columns={"mail": "email"})
            out["user_id"] = df["id"]
            out["same"] = out.email
            return out
    ''', {"df": "users"}) == [plain("email", "users.mail"), plain("user_id", "users.id"),
                              plain("same", "users.mail")]


def test_expressions_transform() -> None:
    assert lineage('''
        def build(df):
            out = df.copy()
            out["email_upper"] = df["email"].str.upper()
            out["gross"] = out["amount"] * 1.2 + out["tax"]
            out["big"] = np.where(out["amount"] > LIMIT, "big", "small")
            out["flag"] = 1
            out["n"] = 0
            out["n"] += out["amount"]
            return out
    ''', {"df": "users"}) == [
        changed("email_upper", "users.email"), changed("gross", "users.amount", "users.tax"),
        changed("big", "users.amount"), changed("flag"), changed("n", "users.amount")]


def test_assign() -> None:
    assert lineage('''
        def build(df):
            return df.assign(
                user_id=df["id"],
                domain=df["email"].str.split("@").str[1],
                upper=lambda d: d["email"].str.upper(),
                again=lambda d: d["domain"],
            )
    ''', {"df": "users"}) == [
        plain("user_id", "users.id"), changed("domain", "users.email"),
        changed("upper", "users.email"), changed("again", "users.email")]


def test_several_inputs_in_a_dict() -> None:
    body = '''
        def build(dfs):
            users = dfs["users"]
            out = dfs["orders"].copy()
            out["email"] = users["email"]
            out["total"] = out["amount"] + dfs.get("fees")["fee"]
            return out
    '''
    expected = [plain("email", "users.email"), changed("total", "orders.amount", "fees.fee")]
    assert lineage(body, {"users": "users", "orders": "orders", "fees": "fees"}) == expected
    # Given under the parameter's own name it is one frame, whose columns are not frames.
    assert lineage(body, {"dfs": "everything"}) == []


def test_one_input_under_any_name_is_the_first_parameter() -> None:
    body = '''
        def build(df, debug=False):
            return df[["id"]]
    '''
    assert lineage(body, {"users": "users"}) == [plain("id", "users.id")]
    assert lineage(body, {"df": "users"}) == [plain("id", "users.id")]


def test_the_dict_may_be_described_by_dependency() -> None:
    # The runner keys the dict by relation; a caller may key ``inputs`` by dependency name.
    assert lineage('''
        def build(dfs):
            return dfs["orders"][["amount"]]
    ''', {"orders.ff": "orders", "users": "users"}) == [plain("amount", "orders.amount")]


def test_several_inputs_as_parameters() -> None:
    body = '''
        def build(users, orders, debug=False):
            return pd.DataFrame({"id": users["id"], "twice": orders["amount"] * 2})
    '''
    expected = [plain("id", "users.id"), changed("twice", "orders.amount")]
    assert lineage(body, {"users": "users", "orders": "orders"}) == expected
    # Keys that are not parameter names bind in order, as the runner calls the function.
    assert lineage(body, {"stg_users": "users", "stg_orders": "orders"}) == expected


def test_the_schema_lists_unchanged_columns() -> None:
    body = '''
        def build(df):
            out = df.rename(columns={"mail": "email"}).drop(columns=["secret"])
            out["is_gmail"] = out["email"].str.endswith("@gmail.com")
            return out
    '''
    assert lineage(body, {"df": "users"}) == [plain("email", "users.mail"),
                                              changed("is_gmail", "users.mail")]
    assert lineage(body, {"df": "users"}, {"users": ["id", "mail", "secret"]}) == [
        plain("id", "users.id"), plain("email", "users.mail"),
        changed("is_gmail", "users.mail")]


def test_merge_needs_the_schema_to_tell_the_sides_apart() -> None:
    source = (EXAMPLES / "simple_duckdb/models/mart_orders_enriched.ff.py").read_text()
    inputs = {"orders": "orders", "users_enriched": "users_enriched"}
    names = ["order_id", "user_id", "email", "is_gmail", "amount", "valid_amt"]
    assert list(python_lineage(source, "orders_enrich", inputs)) == [U(n) for n in names]
    schema = {"orders": ["order_id", "user_id", "amount"],
              "users_enriched": ["id", "email", "is_gmail"]}
    assert list(python_lineage(source, "orders_enrich", inputs, schema=schema)) == [
        plain("order_id", "orders.order_id"), plain("user_id", "orders.user_id"),
        plain("email", "users_enriched.email"), plain("is_gmail", "users_enriched.is_gmail"),
        plain("amount", "orders.amount"), changed("valid_amt", "orders.amount")]


def test_a_column_both_sides_have_is_unknown() -> None:
    assert lineage('''
        def build(users, orders):
            out = users.merge(orders, left_on="id", right_on="user_id", suffixes=("", ""))
            return out[["id", "name", "total"]]
    ''', {"users": "users", "orders": "orders"},
        {"users": ["id", "name"], "orders": ["id", "user_id", "total"]}) == [
        U("id"), plain("name", "users.name"), plain("total", "orders.total")]


def test_the_example_model() -> None:
    source = (EXAMPLES / "simple_duckdb/models/users_enriched.ff.py").read_text()
    assert python_lineage(source, "enrich", {"df": "users"}) == (
        changed("is_gmail", "users.email"),)


def test_what_it_cannot_see_is_unknown() -> None:
    assert lineage('''
        def build(df):
            out = df.copy()
            out["kept"] = df["id"]
            out["mystery"] = helper(out)
            out["applied"] = df.apply(lambda r: r["a"], axis=1)
            if len(out) > 3:
                out["sometimes"] = 1
                out["kept2"] = 1
            out["kept2"] = df["id"]
            out.loc[out["id"] > 0, "fresh"] = 0
            return out
    ''', {"df": "users"}) == [plain("kept", "users.id"), U("mystery"), U("applied"),
                              U("sometimes"), plain("kept2", "users.id"), U("fresh")]


def test_a_loop_that_names_columns_makes_the_frame_unknown() -> None:
    assert lineage('''
        def build(df):
            out = df.copy()
            out["a"] = df["id"]
            for i in range(3):
                out[f"c{i}"] = i
            out["b"] = df["id"]
            return out
    ''', {"df": "users"}) == [plain("b", "users.id")]


def test_in_place_changes() -> None:
    assert lineage('''
        def build(df):
            out = df[df["active"]].copy()
            out["a"] = df["x"]
            out["b"] = df["y"]
            out["c"] = df["z"]
            out.rename(columns={"a": "a2"}, inplace=True)
            del out["b"]
            out.pop("c")
            out.insert(0, "d", df["w"] + 1)
            return out
    ''', {"df": "t"}) == [plain("a2", "t.x"), changed("d", "t.w")]


def test_a_selection_fixes_the_columns() -> None:
    assert lineage('''
        def build(df):
            out = df[["id", "email"]]
            out["upper"] = out["email"].str.upper()
            out["gone"] = out["secret"]
            return out
    ''', {"df": "users"}) == [plain("id", "users.id"), plain("email", "users.email"),
                              changed("upper", "users.email"), U("gone")]


@pytest.mark.parametrize("source, function", [
    ("def build(:\n", "build"),
    ("def other(df):\n    return df\n", "build"),
    ("def build(df):\n    print(df)\n", "build"),
    ("def build(df):\n    return helper(df)\n", "build"),
    ("def build(df):\n    return 1\n", "build"),
])
def test_nothing_seen_is_empty(source: str, function: str) -> None:
    assert python_lineage(source, function, {"df": "users"}) == ()


def test_the_function_may_be_nested() -> None:
    source = "class Models:\n    def build(self, df):\n        return df[['id']]\n"
    assert python_lineage(source, "build", {"df": "users"}) == (plain("id", "users.id"),)


def test_docstring_examples() -> None:
    assert doctest.testmod(python_lineage_module).failed == 0
