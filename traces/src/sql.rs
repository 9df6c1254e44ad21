//! What a SQL statement does to which data, parsed with `sqlparser` (not regexes).
//!
//! MicroRacer's rule is kept: a `SELECT` is a read, anything else a write, and the
//! "ids" of a statement are the values bound to columns whose name contains
//! `id`/`Id`/`ID`. Finding which column each `?` is bound to needs the parse tree:
//! `col = ?`, `col IN (?, ?)`, `(a, b) = (?, ?)`, `SET col = ?` and `INSERT (cols)
//! VALUES (...)` are mapped; a placeholder anywhere else is bound to no column.

use sqlparser::ast::{
    AssignmentTarget, BinaryOperator, Expr, FromTable, Query, SetExpr, Statement, TableFactor,
    TableWithJoins, Value,
};
use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect};
use sqlparser::parser::Parser;

/// Read or write, with INSERT apart because early validation needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    Read,
    Write,
    Insert,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Read => "select",
            Op::Write => "update",
            Op::Insert => "insert",
        }
    }
}

/// The understanding of one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlInfo {
    pub op: Op,
    pub tables_read: Vec<String>,
    pub tables_written: Vec<String>,
    /// For each `?` in textual order, the column it is bound to (if any).
    pub bound_columns: Vec<Option<String>>,
}

impl SqlInfo {
    /// Values bound to id-like columns, in placeholder order, without repeats.
    pub fn ids(&self, params: &[String]) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for (col, value) in self.bound_columns.iter().zip(params) {
            if col.as_deref().is_some_and(is_id_column) && !ids.contains(value) {
                ids.push(value.clone());
            }
        }
        ids
    }

    pub fn tables(&self) -> impl Iterator<Item = &String> {
        self.tables_read.iter().chain(&self.tables_written)
    }
}

/// MicroRacer's test: the name contains `id`, `Id` or `ID`.
pub fn is_id_column(name: &str) -> bool {
    name.contains("id") || name.contains("Id") || name.contains("ID")
}

/// Parse and classify one statement; the error is sqlparser's message (the
/// MySQL dialect's: PostgreSQL's is only a fallback for what MySQL lacks, such as
/// `INSERT ... ON CONFLICT`, so MicroRacer's MySQL cases parse as before).
pub fn classify(statement: &str) -> Result<SqlInfo, String> {
    let parsed = Parser::parse_sql(&MySqlDialect {}, statement)
        .or_else(|e| Parser::parse_sql(&PostgreSqlDialect {}, statement).map_err(|_| e))
        .map_err(|e| e.to_string())?;
    let first = parsed.first().ok_or("empty statement")?;
    let mut info = SqlInfo {
        op: Op::Write,
        tables_read: Vec::new(),
        tables_written: Vec::new(),
        bound_columns: Vec::new(),
    };
    match first {
        Statement::Query(q) => {
            info.op = Op::Read;
            query(q, &mut info);
        }
        Statement::Insert(ins) => {
            info.op = Op::Insert;
            info.tables_written.push(ins.table_name.to_string());
            let cols: Vec<String> = ins.columns.iter().map(|c| c.value.clone()).collect();
            if let Some(SetExpr::Values(v)) = ins.source.as_deref().map(|q| q.body.as_ref()) {
                for row in &v.rows {
                    for (i, e) in row.iter().enumerate() {
                        bind(e, cols.get(i).map(String::as_str), &mut info.bound_columns);
                    }
                }
            }
        }
        Statement::Update {
            table,
            assignments,
            selection,
            ..
        } => {
            tables_of(table, &mut info.tables_written);
            for a in assignments {
                let col = match &a.target {
                    AssignmentTarget::ColumnName(n) => n.0.last().map(|i| i.value.as_str()),
                    AssignmentTarget::Tuple(_) => None,
                };
                bind(&a.value, col, &mut info.bound_columns);
            }
            if let Some(w) = selection {
                bind(w, None, &mut info.bound_columns);
            }
        }
        Statement::Delete(d) => {
            let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &d.from;
            from.iter()
                .for_each(|t| tables_of(t, &mut info.tables_written));
            if let Some(w) = &d.selection {
                bind(w, None, &mut info.bound_columns);
            }
        }
        _ => {}
    }
    Ok(info)
}

fn query(q: &Query, info: &mut SqlInfo) {
    if let SetExpr::Select(s) = q.body.as_ref() {
        s.from
            .iter()
            .for_each(|t| tables_of(t, &mut info.tables_read));
        if let Some(w) = &s.selection {
            bind(w, None, &mut info.bound_columns);
        }
    }
}

fn tables_of(t: &TableWithJoins, out: &mut Vec<String>) {
    let factors = std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation));
    for f in factors {
        if let TableFactor::Table { name, .. } = f {
            let name = name.to_string();
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
}

fn column(e: &Expr) -> Option<&str> {
    match e {
        Expr::Identifier(i) => Some(&i.value),
        Expr::CompoundIdentifier(ids) => ids.last().map(|i| i.value.as_str()),
        Expr::Nested(inner) => column(inner),
        _ => None,
    }
}

/// Walk `e` in textual order, recording the column each placeholder is bound to.
fn bind(e: &Expr, col: Option<&str>, out: &mut Vec<Option<String>>) {
    match e {
        Expr::Value(Value::Placeholder(_)) => out.push(col.map(str::to_string)),
        Expr::BinaryOp { left, op, right } if is_comparison(op) => {
            if let (Expr::Tuple(ls), Expr::Tuple(rs)) = (left.as_ref(), right.as_ref()) {
                for (l, r) in ls.iter().zip(rs) {
                    bind(r, column(l), out);
                }
                return;
            }
            let c = column(left).or_else(|| column(right));
            bind(left, c, out);
            bind(right, c, out);
        }
        Expr::BinaryOp { left, right, .. } => {
            bind(left, None, out);
            bind(right, None, out);
        }
        Expr::InList { expr, list, .. } => list.iter().for_each(|i| bind(i, column(expr), out)),
        Expr::Between {
            expr, low, high, ..
        } => {
            bind(low, column(expr), out);
            bind(high, column(expr), out);
        }
        Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
            bind(pattern, column(expr), out)
        }
        Expr::Nested(inner) | Expr::UnaryOp { expr: inner, .. } => bind(inner, col, out),
        Expr::Tuple(items) => items.iter().for_each(|i| bind(i, col, out)),
        _ => {}
    }
}

fn is_comparison(op: &BinaryOperator) -> bool {
    use BinaryOperator::*;
    matches!(op, Eq | NotEq | Lt | LtEq | Gt | GtEq | Spaceship)
}

/// The statement with each `?` replaced by its bound value, as MicroRacer prints it.
pub fn bind_values(statement: &str, params: &[String]) -> String {
    let mut out = String::with_capacity(statement.len());
    let mut values = params.iter();
    for ch in statement.chars() {
        match (ch, ch == '?') {
            (_, true) => match values.next() {
                Some(v) => out.push_str(v),
                None => out.push('?'),
            },
            (c, false) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
