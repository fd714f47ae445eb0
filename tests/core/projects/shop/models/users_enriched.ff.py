from fastflowtransform import model


@model(name="users_enriched", deps=["users.ff"], requires={"users": {"id", "email"}},
       tags=["python"])
def enrich(df):
    out = df.copy()
    out["is_gmail"] = out["email"].str.endswith("@gmail.com")
    return out
