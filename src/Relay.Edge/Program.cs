using Relay.Edge;

var builder = WebApplication.CreateSlimBuilder(args);
// Loopback unless told where to listen (--urls, ASPNETCORE_URLS, or a container's ASPNETCORE_HTTP_PORTS).
string[] listenKeys = ["urls", "ASPNETCORE_URLS", "http_ports", "ASPNETCORE_HTTP_PORTS"];
if (listenKeys.All(k => string.IsNullOrEmpty(builder.Configuration[k])))
{
    builder.WebHost.UseUrls(EdgeDefaults.Url);
}

builder.Services.AddRelayEdge(builder.Configuration);
var app = builder.Build();
app.UseRelayLimits();
app.MapRelayEdge();
await app.RunAsync();
