"""The DAV layer: WsgiDAV provider, nodes, our own method handlers, XML and errors."""
