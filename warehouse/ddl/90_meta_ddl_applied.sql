-- grain: one row, the fingerprint of the DDL last applied to this file
create table if not exists meta.ddl_applied (
    fingerprint varchar not null
);
comment on table meta.ddl_applied is 'Fingerprint of the DDL applied to this file; connections skip re-applying it when it matches';
comment on column meta.ddl_applied.fingerprint is 'SHA-256 of the concatenated warehouse/ddl/*.sql files';
