-- compose.yaml: the service's database is POSTGRES_DB (inventory); Unleash keeps its own.
CREATE DATABASE unleash;
