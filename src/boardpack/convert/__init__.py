"""Converting .docx to PDF with LibreOffice: started per build, kept warm, or a unoserver elsewhere."""
