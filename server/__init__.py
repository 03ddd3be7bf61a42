"""playfast replay server package (see server/README.md)."""
