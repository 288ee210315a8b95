select url, etag, last_modified
from feed_state;
