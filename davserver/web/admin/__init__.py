"""The admin web UI and self-service at /admin (issue 6): server-rendered Flask pages,
one module per screen; `davserver.web.admin_app.build_admin_app` assembles them."""
