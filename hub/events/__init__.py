"""Events of our coops: single dates, recurring series, their federation and calendars."""
