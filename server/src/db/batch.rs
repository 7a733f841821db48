//! Multi-row writes built as SQL text with positional parameters, for the poll commit's hot
//! tables. Going through ActiveModels and the query builder cost tens of microseconds per row
//! (a value vector per model, an expression tree per cell, then the SQL string), most of a
//! SQLite poll commit's CPU; here a batch is typed column vectors turned straight into bound
//! values.
//!
//! The values bound are the same `sea_orm::Value`s the entities bind, so what is stored is
//! identical. SQLite gets `INSERT … VALUES (?, …), …` in chunks below its bind limit.
//! PostgreSQL gets ONE statement per table whatever the size: each column is bound as an array
//! and unnested (`INSERT … SELECT … FROM unnest($1::int4[], …)`), so its SQL text — and the
//! prepared statement cached for it — never changes. The driver binds only arrays of non-null
//! elements, so a nullable column travels as values plus a "present" flag array.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::ArrayType;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

/// SQLite's default bind-parameter limit (SQLITE_MAX_VARIABLE_NUMBER since 3.32).
const SQLITE_MAX_PARAMS: usize = 32_766;

/// One column of a batch, in row order.
#[derive(Debug)]
pub(crate) enum Column {
    Int(Vec<i32>),
    BigInt(Vec<i64>),
    Time(Vec<DateTime<Utc>>),
    OptTime(Vec<Option<DateTime<Utc>>>),
    Date(Vec<NaiveDate>),
    OptDate(Vec<Option<NaiveDate>>),
    Text(Vec<String>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Self::Int(v) => v.len(),
            Self::BigInt(v) => v.len(),
            Self::Time(v) => v.len(),
            Self::OptTime(v) => v.len(),
            Self::Date(v) => v.len(),
            Self::OptDate(v) => v.len(),
            Self::Text(v) => v.len(),
        }
    }

    /// The value of row `i`, as the entity would bind it.
    fn value(&self, i: usize) -> Value {
        match self {
            Self::Int(v) => Value::Int(Some(v[i])),
            Self::BigInt(v) => Value::BigInt(Some(v[i])),
            Self::Time(v) => Value::ChronoDateTimeUtc(Some(v[i])),
            Self::OptTime(v) => Value::ChronoDateTimeUtc(v[i]),
            Self::Date(v) => Value::ChronoDate(Some(v[i])),
            Self::OptDate(v) => Value::ChronoDate(v[i]),
            Self::Text(v) => Value::String(Some(v[i].clone())),
        }
    }

    /// PostgreSQL element type of the array parameter.
    fn pg_type(&self) -> &'static str {
        match self {
            Self::Int(_) => "int4",
            Self::BigInt(_) => "int8",
            Self::Time(_) | Self::OptTime(_) => "timestamptz",
            Self::Date(_) | Self::OptDate(_) => "date",
            Self::Text(_) => "text",
        }
    }

    /// The array parameter(s): values, and for a nullable column a flag array after them.
    fn push_arrays(self, out: &mut Vec<Value>) {
        fn array<T: Into<Value>>(ty: ArrayType, v: Vec<T>) -> Value {
            Value::Array(ty, Some(Box::new(v.into_iter().map(Into::into).collect())))
        }
        match self {
            Self::Int(v) => out.push(array(ArrayType::Int, v)),
            Self::BigInt(v) => out.push(array(ArrayType::BigInt, v)),
            Self::Time(v) => out.push(array(ArrayType::ChronoDateTimeUtc, v)),
            Self::OptTime(v) => {
                // Absent slots carry any instant; the flag turns them back into NULL.
                let filler = DateTime::<Utc>::UNIX_EPOCH;
                let present: Vec<bool> = v.iter().map(Option::is_some).collect();
                let values: Vec<DateTime<Utc>> = v.iter().map(|t| t.unwrap_or(filler)).collect();
                out.push(array(ArrayType::ChronoDateTimeUtc, values));
                out.push(array(ArrayType::Bool, present));
            }
            Self::Date(v) => out.push(array(ArrayType::ChronoDate, v)),
            Self::OptDate(v) => {
                let filler = NaiveDate::default();
                let present: Vec<bool> = v.iter().map(Option::is_some).collect();
                let values: Vec<NaiveDate> = v.iter().map(|d| d.unwrap_or(filler)).collect();
                out.push(array(ArrayType::ChronoDate, values));
                out.push(array(ArrayType::Bool, present));
            }
            Self::Text(v) => out.push(array(ArrayType::String, v)),
        }
    }
}

/// A multi-row insert into `table`: column names and data, and what follows the rows
/// (`ON CONFLICT …`, or nothing).
pub(crate) struct Insert<'a> {
    pub table: &'a str,
    pub columns: Vec<(&'a str, Column)>,
    pub tail: String,
}

impl Insert<'_> {
    /// Runs the insert on `db` (a transaction, in the poll commit); no rows, no statement.
    pub(crate) async fn exec<C: ConnectionTrait>(self, db: &C) -> Result<(), DbErr> {
        let rows = self.columns.first().map_or(0, |(_, c)| c.len());
        if rows == 0 {
            return Ok(());
        }
        debug_assert!(self.columns.iter().all(|(_, c)| c.len() == rows));
        match db.get_database_backend() {
            DbBackend::Postgres => db.execute_raw(self.unnest()).await.map(drop),
            backend => {
                let per_chunk = (SQLITE_MAX_PARAMS / self.columns.len()).max(1);
                let mut start = 0;
                while start < rows {
                    let end = rows.min(start + per_chunk);
                    db.execute_raw(self.values(backend, start..end)).await?;
                    start = end;
                }
                Ok(())
            }
        }
    }

    fn head(&self) -> String {
        let names: Vec<String> = self.columns.iter().map(|(n, _)| quote(n)).collect();
        format!("INSERT INTO {} ({})", quote(self.table), names.join(", "))
    }

    /// `INSERT … VALUES (?, …), …` for rows `range`.
    fn values(&self, backend: DbBackend, range: std::ops::Range<usize>) -> Statement {
        let width = self.columns.len();
        let row = format!("({})", vec!["?"; width].join(", "));
        let mut sql = self.head();
        sql.reserve(range.len() * (row.len() + 2) + self.tail.len() + 16);
        sql.push_str(" VALUES ");
        let mut values = Vec::with_capacity(range.len() * width);
        for i in range {
            if !values.is_empty() {
                sql.push_str(", ");
            }
            sql.push_str(&row);
            values.extend(self.columns.iter().map(|(_, c)| c.value(i)));
        }
        if !self.tail.is_empty() {
            sql.push(' ');
            sql.push_str(&self.tail);
        }
        Statement::from_sql_and_values(backend, sql, values)
    }

    /// `INSERT … SELECT … FROM unnest($1::t[], …) AS u(…)`: one statement for all rows.
    fn unnest(self) -> Statement {
        let head = self.head();
        let mut params = Vec::new();
        let mut casts = Vec::new();
        let mut aliases = Vec::new();
        let mut select = Vec::new();
        for (i, (_, column)) in self.columns.into_iter().enumerate() {
            let ty = column.pg_type();
            let nullable = matches!(column, Column::OptTime(_) | Column::OptDate(_));
            column.push_arrays(&mut params);
            casts.push(format!("${}::{ty}[]", casts.len() + 1));
            aliases.push(format!("c{i}"));
            if nullable {
                casts.push(format!("${}::bool[]", casts.len() + 1));
                aliases.push(format!("c{i}_set"));
                select.push(format!("CASE WHEN u.c{i}_set THEN u.c{i} END"));
            } else {
                select.push(format!("u.c{i}"));
            }
        }
        let sql = format!(
            "{head} SELECT {} FROM unnest({}) AS u({}) {}",
            select.join(", "),
            casts.join(", "),
            aliases.join(", "),
            self.tail,
        );
        Statement::from_sql_and_values(DbBackend::Postgres, sql.trim_end(), params)
    }
}

/// A double-quoted identifier (our own constant names; both backends accept the quotes).
fn quote(name: &str) -> String {
    format!("\"{name}\"")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> Insert<'static> {
        Insert {
            table: "t",
            columns: vec![
                ("a", Column::Int(vec![1, 2])),
                ("b", Column::OptTime(vec![None, Some(DateTime::UNIX_EPOCH)])),
            ],
            tail: "ON CONFLICT (\"a\") DO NOTHING".to_owned(),
        }
    }

    #[test]
    fn sqlite_rows_are_positional() {
        let stmt = sample().values(DbBackend::Sqlite, 0..2);
        assert_eq!(
            stmt.sql,
            "INSERT INTO \"t\" (\"a\", \"b\") VALUES (?, ?), (?, ?) ON CONFLICT (\"a\") DO NOTHING"
        );
        let values = stmt.values.unwrap().0;
        assert_eq!(values.len(), 4);
        assert_eq!(values[1], Value::ChronoDateTimeUtc(None));
    }

    #[test]
    fn postgres_unnests_arrays_with_null_flags() {
        let stmt = sample().unnest();
        assert_eq!(
            stmt.sql,
            "INSERT INTO \"t\" (\"a\", \"b\") SELECT u.c0, CASE WHEN u.c1_set THEN u.c1 END \
             FROM unnest($1::int4[], $2::timestamptz[], $3::bool[]) AS u(c0, c1, c1_set) \
             ON CONFLICT (\"a\") DO NOTHING"
        );
        assert_eq!(stmt.values.unwrap().0.len(), 3);
    }
}
