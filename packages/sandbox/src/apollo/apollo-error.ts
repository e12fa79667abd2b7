/** Apollo's error body (GlobalDefaultExceptionHandler): `{status, message, timestamp, exception}`. */
export interface ApolloErrorBody {
  status: number;
  message: string;
  timestamp: string;
  exception: string;
}

const exceptions: Record<number, string> = {
  400: 'com.ctrip.framework.apollo.common.exception.BadRequestException',
  401: 'org.springframework.security.authentication.BadCredentialsException',
  403: 'org.springframework.security.access.AccessDeniedException',
  404: 'com.ctrip.framework.apollo.common.exception.NotFoundException',
  415: 'org.springframework.web.HttpMediaTypeNotSupportedException',
  429: 'com.ctrip.framework.apollo.openapi.filter.TooManyRequestsException',
};

/** The body Apollo answers an error with; also handy for injecting faults with Apollo's own shape. */
export function apolloErrorBody(status: number, message: string): ApolloErrorBody {
  return {
    status,
    message,
    // Apollo formats the timestamp as a local ISO datetime without zone.
    timestamp: new Date().toISOString().replace('Z', ''),
    exception: exceptions[status] ?? 'java.lang.RuntimeException',
  };
}
