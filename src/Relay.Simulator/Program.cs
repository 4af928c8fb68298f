using Relay.Simulator;

var builder = WebApplication.CreateSlimBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:8788");
}

builder.Services.AddRelaySimulator(builder.Configuration);
var app = builder.Build();
app.MapRelaySimulator();
await app.StartAsync();
Console.Error.WriteLine($"Relay simulator: OpenRouter-compatible API at {string.Join(", ", app.Urls)}/api/v1 (knobs: X-Relay-Sim header, see src/Relay.Simulator/README.md)");
await app.WaitForShutdownAsync();
