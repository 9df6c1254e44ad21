//! placeholder
pub struct Server;
pub fn serve(_s: &std::path::Path, _b: &str) -> Result<(), crate::ReportError> {
    Ok(())
}
