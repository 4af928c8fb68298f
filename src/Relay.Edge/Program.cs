using Relay.Edge;

var builder = WebApplication.CreateSlimBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
{
    builder.WebHost.UseUrls(EdgeDefaults.Url);
}

builder.Services.AddRelayEdge(builder.Configuration);
var app = builder.Build();
app.UseRelayLimits();
app.MapRelayEdge();
await app.RunAsync();
