create schema if not exists raw;
create schema if not exists marts;
create schema if not exists meta;
