using System.Globalization;
using Relay.Contracts;

namespace Relay.Edge;

/// <summary>Error answers: the taxonomy's status, <c>{"error":{...}}</c>, and Retry-After when known.</summary>
internal static class ErrorResults
{
    public static IResult For(StreamError error, int? status = null) => new ErrorResult(error, status ?? error.HttpStatus);

    public static IResult For(StreamErrorCode code, string? message = null, int? status = null) => For(StreamError.Create(code, message), status);

    private sealed class ErrorResult(StreamError error, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            if (error.RetryAfterMs is { } ms)
            {
                httpContext.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(ms / 1000.0)).ToString(CultureInfo.InvariantCulture);
            }

            var requestId = httpContext.Response.Headers[RequestIdAndErrorMiddleware.RequestIdHeader].ToString();
            var body = new ErrorResponse(error, requestId.Length > 0 ? requestId : null);
            return httpContext.Response.WriteAsJsonAsync(body, RelayJsonContext.Default.ErrorResponse, contentType: "application/json", httpContext.RequestAborted);
        }
    }
}
