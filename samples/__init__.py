"""Bundled sample data (installed as ``dvcq_xl.samples``): the demo round's roster."""
