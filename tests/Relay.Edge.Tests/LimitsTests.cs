using System.Net;
using System.Text;
using Relay.Testing;

namespace Relay.Edge.Tests;

public sealed class LimitsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Posts_over_the_rate_limit_get_429_with_Retry_After_and_gets_are_exempt()
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_RATE_LIMIT"] = "2" }, cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=1";
        using var http = servers.CreateClient();
        for (var i = 0; i < 2; i++)
        {
            using var ok = await http.SendAsync(Sse.Post(streamId: $"limited-{i}-xx"), Ct);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await http.SendAsync(Sse.Post(), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Contains("RATE_LIMITED", await limited.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var resume = await http.SendAsync(Sse.Resume("limited-0-xx", null), Ct);
        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
    }

    [Fact]
    public async Task A_new_bearer_on_each_request_does_not_dodge_the_limit_when_tokens_are_off()
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_RATE_LIMIT"] = "2" }, cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=1";
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var http = servers.CreateClient($"sk-fresh-{i}");
            using var response = await http.SendAsync(Sse.Post(), Ct);
            codes.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], codes);
    }

    [Fact]
    public async Task With_tokens_the_limit_is_per_authenticated_token_and_CIDR_networks_are_trusted_proxies()
    {
        await using var servers = await RelayServers.StartAsync(
            edgeSettings: new Dictionary<string, string?> { ["RELAY_RATE_LIMIT"] = "1", ["RELAY_TOKENS"] = "tok-a,tok-b", ["Relay:KnownNetworks:0"] = "127.0.0.0/8" },
            cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=1";
        using var a = servers.CreateClient("tok-a");
        using var b = servers.CreateClient("tok-b");
        using (var first = await a.SendAsync(Sse.Post(), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using (var second = await a.SendAsync(Sse.Post(), Ct))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        }

        using (var other = await b.SendAsync(Sse.Post(), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        // Wrong tokens are limited by address, and through a trusted network the address is the forwarded one.
        using var wrong = servers.CreateClient("tok-wrong");
        foreach (var (client, expected) in new[] { ("203.0.113.7", HttpStatusCode.Unauthorized), ("203.0.113.7", HttpStatusCode.TooManyRequests), ("203.0.113.8", HttpStatusCode.Unauthorized) })
        {
            using var request = Sse.Post();
            request.Headers.Add("X-Forwarded-For", client);
            using var response = await wrong.SendAsync(request, Ct);
            Assert.Equal(expected, response.StatusCode);
        }
    }

    [Fact]
    public async Task Routing_errors_on_v1_carry_the_error_body_and_every_response_a_request_id()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        using var http = servers.CreateClient();
        using var missing = await http.GetAsync("v1/nothing/here", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("\"code\":\"INVALID_REQUEST\"", await missing.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(missing.Headers.GetValues("X-Request-Id").Single()));

        using var wrongMethod = await http.PutAsync("v1/chat/stream", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Contains("not allowed", await wrongMethod.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Get, "health");
        request.Headers.Add("X-Request-Id", "req-123");
        using var echoed = await http.SendAsync(request, Ct);
        Assert.Equal("req-123", echoed.Headers.GetValues("X-Request-Id").Single());
    }

    [Fact]
    public async Task A_body_over_1_MiB_is_413_REQUEST_TOO_LARGE()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        using var http = servers.CreateClient();
        var huge = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', 1_100_000) + "\"}]}";
        using var response = await http.PostAsync("v1/chat/stream", new StringContent(huge, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("REQUEST_TOO_LARGE", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var openAi = await http.PostAsync("v1/chat/completions", new StringContent(huge, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, openAi.StatusCode);
    }

    [Fact]
    public async Task Health_answers_json_and_forwarded_addresses_are_honoured_only_from_known_proxies()
    {
        await using var servers = await RelayServers.StartAsync(
            edgeSettings: new Dictionary<string, string?> { ["Relay:KnownProxies:0"] = "127.0.0.1", ["RELAY_RATE_LIMIT"] = "1" }, cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=1";
        using var http = servers.CreateClient();
        using var health = await http.GetAsync("health/ready", Ct);
        using var doc = System.Text.Json.JsonDocument.Parse(await health.Content.ReadAsStringAsync(Ct));
        Assert.Equal("Healthy", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal("Healthy", doc.RootElement.GetProperty("checks").GetProperty("upstream").GetProperty("status").GetString());

        // The limit is per client address; through a known proxy the address is the forwarded one.
        foreach (var client in new[] { "203.0.113.1", "203.0.113.2" })
        {
            using var request = Sse.Post();
            request.Headers.Add("X-Forwarded-For", client);
            using var response = await http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var again = Sse.Post();
        again.Headers.Add("X-Forwarded-For", "203.0.113.1");
        using var limited = await http.SendAsync(again, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
    }

    [Fact]
    public async Task Configured_origins_may_stream_from_a_browser()
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_CORS_ORIGINS"] = "https://app.example" }, cancellationToken: Ct);
        using var http = servers.CreateClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "v1/chat/stream");
        preflight.Headers.Add("Origin", "https://app.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");
        using var response = await http.SendAsync(preflight, Ct);
        Assert.Equal("https://app.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Without_configured_origins_no_browser_origin_is_allowed()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=2";
        using var http = servers.CreateClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "v1/chat/stream");
        preflight.Headers.Add("Origin", "https://app.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        using (var response = await http.SendAsync(preflight, Ct))
        {
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        }

        using var post = Sse.Post();
        post.Headers.Add("Origin", "https://app.example");
        using var answer = await http.SendAsync(post, Ct);
        Assert.True(answer.IsSuccessStatusCode);
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
