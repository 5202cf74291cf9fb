"""dvcq_xl: score "công tác dân vận chính quyền" in Excel."""
__version__ = "0.1.0"
