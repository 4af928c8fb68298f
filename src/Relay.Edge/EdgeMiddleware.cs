using System.Diagnostics;

namespace Relay.Edge;

/// <summary>
/// Every response carries <c>X-Request-Id</c> (the request's own, or the trace id) and every log line of the
/// request is in its scope.
/// </summary>
internal sealed class EdgeMiddleware(RequestDelegate next, ILogger<EdgeMiddleware> logger)
{
    public const string RequestIdHeader = "X-Request-Id";

    public async Task InvokeAsync(HttpContext context)
    {
        var id = context.Request.Headers[RequestIdHeader].ToString();
        if (string.IsNullOrEmpty(id) || id.Length > 128)
        {
            id = Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
        }

        context.Response.Headers[RequestIdHeader] = id;
        using (logger.BeginScope(new KeyValuePair<string, object>[] { new("RequestId", id) }))
        {
            await next(context);
        }
    }
}
