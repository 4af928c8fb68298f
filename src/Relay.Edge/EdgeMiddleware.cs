using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Relay.Edge;

/// <summary>
/// Every response carries <c>X-Request-Id</c> (the request's own, or the trace id) and <c>X-Relay-Instance</c>,
/// and every log line of the request is in its scope.
/// </summary>
internal sealed class EdgeMiddleware(RequestDelegate next, ILogger<EdgeMiddleware> logger, IOptions<RelayEdgeOptions> options)
{
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>Which instance answered: behind a load balancer, tests and operators can tell.</summary>
    public const string InstanceHeader = "X-Relay-Instance";

    private readonly string _instance = options.Value.InstanceId;

    public async Task InvokeAsync(HttpContext context)
    {
        var id = context.Request.Headers[RequestIdHeader].ToString();
        if (string.IsNullOrEmpty(id) || id.Length > 128)
        {
            id = Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
        }

        context.Response.Headers[RequestIdHeader] = id;
        context.Response.Headers[InstanceHeader] = _instance;
        using (logger.BeginScope(new KeyValuePair<string, object>[] { new("RequestId", id) }))
        {
            await next(context);
        }
    }
}
