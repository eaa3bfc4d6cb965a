"""After class: productions, marking, annotations, exports."""
