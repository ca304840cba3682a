"""The DAV nodes: one class per kind of resource in the URL space, from the root and the
principals down to calendars, address books and the objects in them."""
