using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Relay.Contracts;

namespace Relay.Edge;

/// <summary>
/// Traffic limits: RELAY_RATE_LIMIT POSTs a minute per token (or client address), bodies up to 1 MiB, CORS for
/// RELAY_CORS_ORIGINS, and the error body on every 4xx the framework itself produces on <c>/v1</c>.
/// </summary>
internal static class TrafficLimits
{
    public const string PostPolicy = "relay-posts";
    public const int MaxBodyBytes = 1024 * 1024;
    private const string CorsPolicy = "relay-cors";

    public static IServiceCollection AddTrafficLimits(this IServiceCollection services, RelayEdgeOptions options, IConfiguration configuration)
    {
        services.Configure<KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = MaxBodyBytes);

        // Behind a reverse proxy, the client address comes from X-Forwarded-For, but only from known proxies: single
        // addresses (Relay:KnownProxies) or CIDR ranges (Relay:KnownNetworks, e.g. a CDN's published ranges).
        var proxies = configuration.GetSection("Relay:KnownProxies").Get<string[]>() ?? [];
        var networks = configuration.GetSection("Relay:KnownNetworks").Get<string[]>() ?? [];
        services.Configure<ForwardedHeadersOptions>(f =>
        {
            f.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var proxy in proxies)
            {
                f.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }

            foreach (var network in networks)
            {
                f.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        var perMinute = int.TryParse(configuration["RELAY_RATE_LIMIT"], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 600;
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : TimeSpan.FromSeconds(1);
                await ErrorResults.For(StreamError.Create(StreamErrorCode.RateLimited, $"More than {perMinute} requests a minute.", wait)).ExecuteAsync(context.HttpContext);
            };
            limiter.AddPolicy(PostPolicy, context => perMinute <= 0 || !HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetNoLimiter("open")
                : RateLimitPartition.GetFixedWindowLimiter(
                    PartitionKey(context),
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });

        var origins = CorsOrigins(configuration);
        services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy =>
        {
            if (origins.Length > 0)
            {
                policy.WithOrigins(origins).AllowAnyHeader().WithMethods("GET", "POST", "DELETE").WithExposedHeaders("X-Relay-Stream-Id", "X-Request-Id", "Retry-After");
            }
        }));
        return services;
    }

    /// <summary>The middleware, in order; call before mapping the endpoints.</summary>
    public static IApplicationBuilder UseTrafficLimits(this IApplicationBuilder app)
    {
        app.UseForwardedHeaders();
        app.UseMiddleware<RequestIdAndErrorMiddleware>();

        // Without RELAY_CORS_ORIGINS the policy allows nothing, so the middleware is left out: it would run on every
        // request, and its Invoke takes a service argument, which a native build calls through reflection.
        if (CorsOrigins(app.ApplicationServices.GetRequiredService<IConfiguration>()).Length > 0)
        {
            app.UseCors(CorsPolicy);
        }

        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            if (http.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal) && !http.Response.HasStarted && http.Response.ContentLength is null && http.Response.ContentType is null)
            {
                var status = http.Response.StatusCode;
                await ErrorResults.For(StreamErrorCode.InvalidRequest, status switch
                {
                    404 => "No such endpoint; see docs/api.md.",
                    405 => $"{http.Request.Method} is not allowed here.",
                    _ => $"The request was refused ({status}).",
                }, status).ExecuteAsync(http);
            }
        });
        app.UseRateLimiter();
        return app;
    }

    private static string[] CorsOrigins(IConfiguration configuration) =>
        (configuration["RELAY_CORS_ORIGINS"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Per authenticated token when RELAY_TOKENS is on, else per client address (through known proxies, the forwarded
    /// one). Never the raw Authorization header: with tokens off any bearer is accepted, and a new one per request
    /// would otherwise dodge the limit.
    /// </summary>
    internal static string PartitionKey(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<TokenAuthenticator>();
        return tokens.Enabled && tokens.Authenticate(context.Request) is { Length: > 0 } owner
            ? "t:" + owner
            : "a:" + context.Connection.RemoteIpAddress;
    }
}
