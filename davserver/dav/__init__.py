"""Generic WebDAV: the WsgiDAV provider, the nodes, our own method handlers, the
generic REPORTs and the parts CalDAV and CardDAV share, XML and errors."""
