"""Column lineage of pandas models: the idioms analytics engineers write (selections,
renames, assign, merges with suffixes, concat, groupby aggregations, chains, helper
variables), each with its exact lineage, and unknown for what is not followed."""

from __future__ import annotations

import ast

import pytest

from pytest_fft.docs.lineage import unknown as U
from pytest_fft.docs.python_lineage.syntax import assigned_names, find_function
from pytest_fft.docs.python_lineage.walker import Walker
from tests.core.docs.lineage_builders import changed, plain
from tests.core.docs.python_lineage_source import lineage

USERS = {"users": ["id", "email", "name"]}
ORDERS = {"orders": ["order_id", "user_id", "amount", "name"]}
BOTH = {**USERS, **ORDERS}
TWO = {"users": "users", "orders": "orders"}


# --- columns chosen, renamed, dropped ---------------------------------------------------


@pytest.mark.parametrize("choice", ['["id", "email"]', "KEEP", "cols"])
def test_a_selection_by_literal_or_by_variable(choice: str) -> None:
    assert lineage(f'''
        def build(df):
            cols = ["id", "email"]
            return df[{choice}]
    ''', {"df": "users"}) == [plain("id", "users.id"), plain("email", "users.email")]


@pytest.mark.parametrize("call", [
    'rename(columns={"mail": "email"})', 'rename({"mail": "email"}, axis=1)',
    'rename({"mail": "email"}, axis="columns")', "rename(columns=RENAMES)",
])
def test_rename_keeps_the_position(call: str) -> None:
    assert lineage(f'''
        def build(df):
            return df.{call}
    ''', {"df": "users"}, {"users": ["id", "mail", "name"]}) == [
        plain("id", "users.id"), plain("email", "users.mail"), plain("name", "users.name")]


def test_rename_of_rows_or_by_function() -> None:
    body = '''
        def build(df):
            return df[["id"]].rename({0: "first"}).rename(columns=str.upper)
    '''
    assert lineage(body, {"df": "users"}) == []


@pytest.mark.parametrize("call", [
    'drop(columns=["name"])', 'drop("name", axis=1)', 'drop(["name"], axis="columns")',
    "drop(columns=gone)",
])
def test_drop(call: str) -> None:
    assert lineage(f'''
        def build(df):
            gone = "name"
            return df.{call}
    ''', {"df": "users"}, USERS) == [plain("id", "users.id"), plain("email", "users.email")]


def test_loc_selects_rows_and_columns() -> None:
    assert lineage('''
        def build(df):
            return df.loc[df["amount"] > 0, ["order_id", "amount"]]
    ''', {"df": "orders"}) == [plain("order_id", "orders.order_id"),
                               plain("amount", "orders.amount")]


@pytest.mark.parametrize("locator", [
    'df.loc[:, "order_id":"amount"]', "df.iloc[:, 0:2]", "df.iloc[:, [0, 1]]",
])
def test_positions_and_ranges_are_not_followed(locator: str) -> None:
    assert lineage(f'''
        def build(df):
            return {locator}
    ''', {"df": "orders"}, ORDERS) == []


@pytest.mark.parametrize("rows", [
    "loc[:, :]", "iloc[3:]", "loc[lambda d: d.order_id > 0]",
    "pipe(lambda d: d[lambda e: e['order_id'] > 0])",
])
def test_rows_chosen_keep_the_columns(rows: str) -> None:
    assert lineage(f'''
        def build(df):
            return df[["order_id"]].{rows}
    ''', {"df": "orders"}, ORDERS) == [plain("order_id", "orders.order_id")]


def test_columns_set_by_position() -> None:
    assert lineage('''
        def build(df):
            out = df[["id", "email"]]
            out.columns = ["user_id", "mail"]
            return out
    ''', {"df": "users"}) == [plain("user_id", "users.id"), plain("mail", "users.email")]


def test_columns_set_otherwise_are_unknown() -> None:
    assert lineage('''
        def build(df):
            out = df.copy()
            out.columns = [c.lower() for c in out.columns]
            return out
    ''', {"df": "users"}, USERS) == []


# --- new columns ---------------------------------------------------------------------------


def test_assign_with_lambdas_by_attribute() -> None:
    assert lineage('''
        def build(df):
            return df.assign(double=lambda d: d.amount * 2, same=lambda d: d.double)
    ''', {"df": "orders"}) == [changed("double", "orders.amount"),
                               changed("same", "orders.amount")]


def test_values_changed_in_place() -> None:
    assert lineage('''
        def build(df):
            return df.fillna({"amount": 0}).astype({"order_id": "string"})
    ''', {"df": "orders"}, ORDERS) == [
        changed("order_id", "orders.order_id"), plain("user_id", "orders.user_id"),
        changed("amount", "orders.amount"), plain("name", "orders.name")]


def test_values_changed_everywhere() -> None:
    assert lineage('''
        def build(df):
            return df[["id", "email"]].astype(str)
    ''', {"df": "users"}) == [changed("id", "users.id"), changed("email", "users.email")]


# --- chains and helper variables -----------------------------------------------------------


def test_a_method_chain() -> None:
    assert lineage('''
        def build(df):
            return (
                df.query("amount > 0")
                .rename(columns={"amount": "gross"})
                .assign(net=lambda d: d["gross"] / 1.2)
                .drop(columns=["name"])
                .sort_values("order_id")
                .reset_index(drop=True)
                .pipe(lambda d: d[["order_id", "gross", "net"]])
            )
    ''', {"df": "orders"}, ORDERS) == [
        plain("order_id", "orders.order_id"), plain("gross", "orders.amount"),
        changed("net", "orders.amount")]


def test_a_helper_variable_reassigned() -> None:
    assert lineage('''
        def build(df):
            out = df.copy()
            out = out.rename(columns={"amount": "gross"})
            out = out[out["gross"] > LIMIT]
            gross = out["gross"]
            out["net"] = gross / 1.2
            gross = out["user_id"]
            out["owner"] = gross
            column = "flag"
            out[column] = True
            return out[["gross", "net", "owner", column]]
    ''', {"df": "orders"}) == [
        plain("gross", "orders.amount"), changed("net", "orders.amount"),
        plain("owner", "orders.user_id"), changed("flag")]


def test_a_column_name_set_in_a_loop_is_not_known() -> None:
    assert lineage('''
        def build(df):
            out = df[["id"]]
            column = "a"
            for column in ["b", "c"]:
                out[column] = 1
            return out
    ''', {"df": "users"}) == []


# --- merge and join ------------------------------------------------------------------------


@pytest.mark.parametrize("how, key", [
    ("inner", plain("user_id", "users.user_id")), ("left", plain("user_id", "users.user_id")),
    ("right", plain("user_id", "orders.user_id")),
    ("outer", changed("user_id", "users.user_id", "orders.user_id")),
])
def test_merge_on_a_key(how: str, key: object) -> None:
    assert lineage(f'''
        def build(users, orders):
            return users.merge(orders, on="user_id", how="{how}")
    ''', TWO, {"users": ["user_id", "email", "name"], "orders": ORDERS["orders"]}) == [
        key, plain("email", "users.email"), plain("name_x", "users.name"),
        plain("order_id", "orders.order_id"), plain("amount", "orders.amount"),
        plain("name_y", "orders.name")]


def test_merge_with_suffixes_and_different_key_names() -> None:
    assert lineage('''
        def build(users, orders):
            return pd.merge(users, orders, left_on="id", right_on="user_id",
                            how="left", suffixes=("", "_order"))
    ''', TWO, BOTH) == [
        plain("id", "users.id"), plain("email", "users.email"), plain("name", "users.name"),
        plain("order_id", "orders.order_id"), plain("user_id", "orders.user_id"),
        plain("amount", "orders.amount"), plain("name_order", "orders.name")]


def test_merge_on_the_shared_names_by_default() -> None:
    assert lineage('''
        def build(users, orders):
            return users[["id", "name"]].merge(orders[["user_id", "name"]])
    ''', TWO) == [plain("id", "users.id"), plain("name", "users.name"),
                  plain("user_id", "orders.user_id")]


def test_merge_without_schema_knows_the_key_only() -> None:
    assert lineage('''
        def build(users, orders):
            out = users.merge(orders, on=["user_id"], how="left")
            out["big"] = out["amount"] > 100
            return out
    ''', TWO) == [plain("user_id", "users.user_id"), U("big")]


def test_join_on_the_index_with_suffixes() -> None:
    assert lineage('''
        def build(users, orders):
            return users[["id", "name"]].join(orders[["name"]], rsuffix="_order")
    ''', TWO) == [plain("id", "users.id"), plain("name", "users.name"),
                  plain("name_order", "orders.name")]


def test_join_of_clashing_names_without_suffix_is_unknown() -> None:
    assert lineage('''
        def build(users, orders):
            return users[["id", "name"]].join(orders[["name"]])
    ''', TWO) == [plain("id", "users.id"), U("name")]


# --- concat --------------------------------------------------------------------------------


def test_concat_stacks_rows() -> None:
    assert lineage('''
        def build(users, orders):
            old = users[["id", "name"]]
            new = orders.rename(columns={"user_id": "id"})[["id", "name"]]
            return pd.concat([old, new], ignore_index=True)
    ''', TWO) == [plain("id", "users.id", "orders.user_id"),
                  plain("name", "users.name", "orders.name")]


def test_concat_of_columns() -> None:
    assert lineage('''
        def build(users, orders):
            return pd.concat([users[["id"]], orders[["amount"]]], axis=1)
    ''', TWO) == [plain("id", "users.id"), plain("amount", "orders.amount")]


def test_concat_of_what_is_not_a_frame_is_unknown() -> None:
    assert lineage('''
        def build(users, orders):
            frames = [users, orders]
            return pd.concat(frames)
    ''', TWO, BOTH) == []


# --- groupby -------------------------------------------------------------------------------


def test_named_aggregation() -> None:
    expected = [plain("user_id", "orders.user_id"), changed("total", "orders.amount"),
                changed("orders", "orders.order_id")]
    assert lineage('''
        def build(df):
            return df.groupby("user_id", as_index=False).agg(
                total=("amount", "sum"), orders=pd.NamedAgg(column="order_id", aggfunc="count"))
    ''', {"df": "orders"}) == expected
    assert lineage('''
        def build(df):
            out = df.groupby(["user_id"]).agg(total=("amount", "sum"), orders=("order_id", "count"))
            return out.reset_index()
    ''', {"df": "orders"}) == expected


def test_the_keys_are_the_index_until_reset() -> None:
    assert lineage('''
        def build(df):
            return df.groupby("user_id").agg({"amount": "sum"})
    ''', {"df": "orders"}) == [changed("amount", "orders.amount")]


def test_aggregating_one_column() -> None:
    assert lineage('''
        def build(df):
            return df.groupby("user_id")["amount"].sum().reset_index(name="total")
    ''', {"df": "orders"}) == [plain("user_id", "orders.user_id"),
                               changed("total", "orders.amount")]
    assert lineage('''
        def build(df):
            return df.groupby("user_id").amount.agg(total="max").reset_index()
    ''', {"df": "orders"}) == [plain("user_id", "orders.user_id"),
                               changed("total", "orders.amount")]


def test_aggregating_every_column() -> None:
    assert lineage('''
        def build(df):
            return df.drop(columns=["name"]).groupby("user_id", as_index=False).max()
    ''', {"df": "orders"}, ORDERS) == [
        plain("user_id", "orders.user_id"), changed("order_id", "orders.order_id"),
        changed("amount", "orders.amount")]
    # Not knowing the columns, the keys only.
    assert lineage('''
        def build(df):
            return df.groupby("user_id").sum().reset_index()
    ''', {"df": "orders"}) == [plain("user_id", "orders.user_id")]


def test_group_sizes_and_per_row_aggregates() -> None:
    assert lineage('''
        def build(df):
            out = df.groupby("user_id").size().reset_index(name="n")
            return out
    ''', {"df": "orders"}) == [plain("user_id", "orders.user_id"), changed("n")]
    assert lineage('''
        def build(df):
            out = df[["order_id"]].copy()
            out["user_total"] = df.groupby("user_id")["amount"].transform("sum")
            return out
    ''', {"df": "orders"}) == [plain("order_id", "orders.order_id"),
                               changed("user_total", "orders.amount", "orders.user_id")]


def test_set_index_and_reset_index() -> None:
    assert lineage('''
        def build(df):
            return df[["id", "email"]].set_index("id").reset_index()
    ''', {"df": "users"}) == [plain("id", "users.id"), plain("email", "users.email")]


# --- what is not followed ------------------------------------------------------------------


@pytest.mark.parametrize("expression", [
    'df.groupby("user_id").agg(["sum", "mean"])',  # a two-level header
    "df.groupby(df['user_id'] % 2).sum()",  # keys that are not names
    'df.pivot_table(index="user_id", columns="name", values="amount")',
    'df.melt(id_vars=["user_id"])',
    "df.apply(lambda r: r, axis=1)",
    "df.pipe(helper)",
    "df.T",
    'pd.concat([df, df], join="inner")',
])
def test_reshapes_are_not_followed(expression: str) -> None:
    assert lineage(f'''
        def build(df):
            return {expression}
    ''', {"df": "orders"}, ORDERS) == []


@pytest.mark.parametrize("source", [
    "def build(df):\n    return df.merge()\n",
    "def build(df):\n    return df.rename(columns={**KEEP})\n",
    "def build(df):\n    return df.groupby().agg(x=())\n",
    "def build(df):\n    return df.loc[1, 2, 3]\n",
    "def build(df):\n    df.columns = None\n    return df\n",
    "def build(df):\n    return pd.concat()\n",
    "def build(df):\n    return df.groupby('a')[df].sum()\n",
    "def build(df):\n    return df.set_index().reset_index(name=1)\n",
    "def build(df):\n    return df.assign(x=lambda: 1, y=lambda *a: a)\n",
    "def build(df):\n    return df.groupby('a').agg(x=('b',), y=1, z=pd.NamedAgg())\n",
])
def test_odd_calls_give_unknown_not_errors(source: str) -> None:
    tree = ast.parse(source)
    func = find_function(tree, "build")
    assert func is not None
    walker = Walker(assigned_names(func), {"orders": tuple(ORDERS["orders"])})
    walker.bind(func.args, {"df": "orders"})
    walker.run(func.body)  # no exception, even without python_lineage's last resort
