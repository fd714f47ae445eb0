from os.path import join  # noqa: F401  (imported names are not macros)


def sql_email_domain(col):
    return f"split_part({col}, '@', 2)"


def _private_helper():
    return "never a global"
