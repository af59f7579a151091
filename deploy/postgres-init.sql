-- Run once by the postgres image on an empty data directory (compose.yml):
-- the application database is POSTGRES_DB; Rasa's tracker store gets its own.
CREATE DATABASE rasa_tracker OWNER jiaojing;
