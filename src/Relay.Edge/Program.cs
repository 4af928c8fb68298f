using Relay.Edge;
using Relay.Simulator;

SocketCompletions.PreferInline();

// Settings come from the appsettings.json beside the program (never the working directory's), the environment
// and the command line. The console lifetime stops the edge gracefully on SIGINT and SIGTERM.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// Loopback unless told where to listen (--urls, ASPNETCORE_URLS, or a container's ASPNETCORE_HTTP_PORTS).
string[] listenKeys = ["urls", "ASPNETCORE_URLS", "http_ports", "ASPNETCORE_HTTP_PORTS"];
if (listenKeys.All(k => string.IsNullOrEmpty(builder.Configuration[k])))
{
    builder.WebHost.UseUrls(EdgeDefaults.Url);
}

// A start-up failure is reported below in one line; the host's own report is a stack trace on stdout.
builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
builder.Services.AddRelayEdge(builder.Configuration);
try
{
    var app = builder.Build();
    app.UseTrafficLimits();
    app.MapRelayEdge();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (StartupError.Describe(ex) is { } message)
{
    Console.Error.WriteLine($"relay-edge: {message}");
    return 1;
}
