using System.Diagnostics;
using Microsoft.Extensions.Options;
using Relay.Contracts;

namespace Relay.Edge;

/// <summary>
/// Turns any exception a request ends with into the error taxonomy's status and body. Every response carries <c>X-Request-Id</c> (the request's own, or the trace id) and <c>X-Relay-Instance</c>,
/// and every log line of the request is in its scope.
/// </summary>
internal sealed class RequestIdAndErrorMiddleware(RequestDelegate next, ILogger<RequestIdAndErrorMiddleware> logger, IOptions<RelayEdgeOptions> options)
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
            try
            {
                await next(context);
            }
            catch (Exception ex) when (!context.Response.HasStarted && !(ex is OperationCanceledException && context.RequestAborted.IsCancellationRequested))
            {
                // The one place failures become the taxonomy, on every route: a StreamErrorException keeps its code and
                // status (e.g. 503 STORE_UNAVAILABLE with Retry-After), anything else is a defect: 500 INTERNAL_ERROR.
                var error = ex is StreamErrorException known ? known.Error : StreamError.Create(StreamErrorCode.InternalError);
                if (ex is not StreamErrorException)
                {
                    EdgeLog.RequestFailed(logger, context.Request.Method, context.Request.Path.Value ?? "", ex);
                }

                context.Response.Clear();
                context.Response.Headers[RequestIdHeader] = id;
                context.Response.Headers[InstanceHeader] = _instance;
                var openAi = context.Request.Path.StartsWithSegments("/v1/chat/completions", StringComparison.Ordinal)
                    || context.Request.Path.StartsWithSegments("/v1/models", StringComparison.Ordinal);
                await (openAi ? OpenAi.OpenAiErrors.Result(error) : ErrorResults.For(error)).ExecuteAsync(context);
            }
        }
    }
}
