"""Reading a project folder: load, render, the DAG and selection.

Pure core: nothing here imports pytest or a database driver. ``load_project`` turns a folder
into a frozen :class:`~pytest_fft.project.records.Project`; profiles resolve the engine
settings of an env; ``select_nodes`` narrows the DAG.
"""
