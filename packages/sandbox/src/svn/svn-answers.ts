/**
 * The bodies Apache httpd and mod_dav_svn answer with: Apache's own HTML pages for 401/404/301/400 (what
 * a client sees for a path that does not exist at a revision), mod_dav_svn's DAV XML error for errors of
 * the Subversion filesystem (a revision beyond the youngest), and mod_dav_svn's directory listing.
 */

const serverSignature = (host: string) => {
  const [name, port] = host.split(':');
  return `<hr>\n<address>Apache/2.4.62 (Debian) Server at ${name ?? host} Port ${port ?? '80'}</address>\n`;
};

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function apachePage(status: string, heading: string, paragraph: string, host: string): string {
  return (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n' +
    `<html><head>\n<title>${status}</title>\n</head><body>\n<h1>${heading}</h1>\n` +
    `<p>${paragraph}</p>\n${serverSignature(host)}</body></html>\n`
  );
}

export function unauthorizedPage(host: string): string {
  return apachePage(
    '401 Unauthorized',
    'Unauthorized',
    "This server could not verify that you\nare authorized to access the document\nrequested.  Either you supplied the wrong\ncredentials (e.g., bad password), or your\nbrowser doesn't understand how to supply\nthe credentials required.",
    host,
  );
}

export function notFoundPage(host: string): string {
  return apachePage('404 Not Found', 'Not Found', 'The requested URL was not found on this server.', host);
}

export function badRequestPage(host: string): string {
  return apachePage(
    '400 Bad Request',
    'Bad Request',
    'Your browser sent a request that this server could not understand.<br />\n',
    host,
  );
}

export function movedPage(location: string, permanent: boolean, host: string): string {
  return apachePage(
    permanent ? '301 Moved Permanently' : '302 Found',
    permanent ? 'Moved Permanently' : 'Found',
    `The document has moved <a href="${escapeHtml(location)}">here</a>.`,
    host,
  );
}

/** mod_dav_svn's error body: `errcode` is the Subversion error number (160006: no such revision). */
export function davError(message: string, errcode: number): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    '<D:error xmlns:D="DAV:" xmlns:m="http://apache.org/dav/xmlns" xmlns:C="svn:">\n' +
    '<C:error/>\n' +
    `<m:human-readable errcode="${errcode}">\n${escapeHtml(message)}\n</m:human-readable>\n` +
    '</D:error>\n'
  );
}

export const davErrorContentType = 'text/xml; charset="utf-8"';

/** mod_dav_svn's HTML listing of a directory at a revision (`SVNListParentPath` off, no XSLT). */
export function directoryListing(input: {
  repositoryName: string;
  revision: number;
  path: string;
  entries: readonly string[];
}): string {
  const path = `/${input.path}${input.path === '' ? '' : '/'}`;
  const items = [
    ...(input.path === '' ? [] : ['  <li><a href="../">..</a></li>']),
    ...input.entries.map((e) => `  <li><a href="${encodeURI(e)}">${escapeHtml(e)}</a></li>`),
  ];
  return (
    `<html><head><title>${escapeHtml(input.repositoryName)} - Revision ${input.revision}: ${escapeHtml(path)}</title></head>\n` +
    `<body>\n <h2>${escapeHtml(input.repositoryName)} - Revision ${input.revision}: ${escapeHtml(path)}</h2>\n <ul>\n` +
    `${items.join('\n')}\n </ul>\n <hr noshade><em>Powered by <a href="http://subversion.apache.org/">Apache Subversion</a> version 1.14.2 (r1899510).</em>\n</body></html>`
  );
}
