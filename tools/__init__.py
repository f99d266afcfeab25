"""rumpnet's tools: the Xen lab, package fetching and caching, run helpers."""
