"""API: assembles the versioned JSON API (/api/v1) from the apps' routers, with one error shape
for every 4xx. Holds no business rules."""
