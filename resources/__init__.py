"""The davserver domain and its storage: no HTTP, no XML, no WsgiDAV here."""
