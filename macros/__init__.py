"""VBA modules of the macro-enabled workbooks, as text (installed as ``dvcq_xl.macros``)."""
