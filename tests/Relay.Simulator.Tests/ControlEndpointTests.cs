using System.Net;
using System.Text.Json;

namespace Relay.Simulator.Tests;

public sealed class ControlEndpointTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    [Fact]
    public async Task Models_are_listed_in_OpenRouters_shape()
    {
        var json = await sim.Http.GetStringAsync(new Uri(sim.Host.BaseUrl, "models"), TestContext.Current.CancellationToken);
        using var doc = JsonDocument.Parse(json);
        var data = doc.RootElement.GetProperty("data");
        Assert.Equal(SimulatedModel.All.Count, data.GetArrayLength());
        var first = data[0];
        Assert.Equal(SimulatedModel.DefaultId, first.GetProperty("id").GetString());
        Assert.True(first.GetProperty("context_length").GetInt32() > 0);
        Assert.False(string.IsNullOrEmpty(first.GetProperty("pricing").GetProperty("prompt").GetString()));
        Assert.False(string.IsNullOrEmpty(first.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Stats_are_served_as_json()
    {
        var json = await sim.Http.GetStringAsync(new Uri(sim.Host.RootUrl, "sim/stats"), TestContext.Current.CancellationToken);
        using var doc = JsonDocument.Parse(json);
        Assert.True(doc.RootElement.TryGetProperty("aborted_by_client", out _));
        Assert.Equal(JsonValueKind.Array, doc.RootElement.GetProperty("aborts").ValueKind);
    }

    [Fact]
    public async Task Default_knobs_can_be_set_over_http_and_bad_ones_are_refused()
    {
        var ok = await sim.Http.PutAsync(new Uri(sim.Host.RootUrl, "sim/knobs"), new StringContent("tokens=3"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        Assert.Equal("tokens=3", sim.Host.DefaultKnobs);
        var bad = await sim.Http.PutAsync(new Uri(sim.Host.RootUrl, "sim/knobs"), new StringContent("bogus=1"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        sim.Host.DefaultKnobs = null;
    }

    [Fact]
    public async Task Gates_can_be_awaited_and_released_over_http()
    {
        var reached = sim.Http.GetAsync(new Uri(sim.Host.RootUrl, "sim/gates/http-gate/reached"), TestContext.Current.CancellationToken);
        var provider = sim.Provider("tokens=5;gate=http-gate@2");
        var streaming = Task.Run(async () =>
        {
            var n = 0;
            await foreach (var e in provider.GenerateStreamAsync(SimulatorFixture.Request(), TestContext.Current.CancellationToken))
            {
                n++;
            }

            return n;
        });
        Assert.Equal(HttpStatusCode.OK, (await reached).StatusCode);
        Assert.False(streaming.IsCompleted);
        var release = await sim.Http.PostAsync(new Uri(sim.Host.RootUrl, "sim/gates/http-gate/release"), null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, release.StatusCode);
        Assert.True(await streaming > 5);
    }

    [Fact]
    public async Task A_body_that_is_not_a_chat_request_is_400_in_OpenRouters_shape()
    {
        var response = await sim.Http.PostAsync(new Uri(sim.Host.BaseUrl, "chat/completions"), new StringContent("{\"messages\":[]}"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(400, doc.RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("ttft=200ms;interval=1.5s;tokens=7;write=3;eol=crlf;comments=0;midcomments=2;usage=b;error=midstream-c@4;error_code=429;status=503;retry_after=2;stall=@9;reset=100;malformed=@2;oversized=@3;nodone;gate=g@5;tools=1")]
    public void Every_knob_parses(string text)
    {
        var k = SimulatorKnobs.Parse(text);
        Assert.Equal(TimeSpan.FromMilliseconds(200), k.TimeToFirstToken);
        Assert.Equal(TimeSpan.FromSeconds(1.5), k.Interval);
        Assert.Equal(7, k.Tokens);
        Assert.Equal(3, k.Write);
        Assert.Equal("\r\n", k.Eol);
        Assert.Equal(0, k.Comments);
        Assert.Equal(2, k.MidComments);
        Assert.Equal(UsageShape.B, k.Usage);
        Assert.Equal('c', k.Error);
        Assert.Equal(4, k.ErrorAt);
        Assert.Equal(429, k.ErrorCode);
        Assert.Equal(503, k.Status);
        Assert.Equal(2, k.RetryAfter);
        Assert.Equal(9, k.StallAfter);
        Assert.Equal(100, k.ResetAfterBytes);
        Assert.Equal(2, k.MalformedAt);
        Assert.Equal(3, k.OversizedAt);
        Assert.True(k.NoDone);
        Assert.Equal(("g", 5), (k.Gate, k.GateAt));
        Assert.True(k.ToolCall);
    }

    [Theory]
    [InlineData("nope=1")]
    [InlineData("tokens=x")]
    [InlineData("ttft=fast")]
    [InlineData("eol=lfcr")]
    [InlineData("usage=z")]
    [InlineData("error=midstream-z@3")]
    [InlineData("gate=@3")]
    public void Bad_knobs_are_refused_with_a_reason(string text) => Assert.Throws<FormatException>(() => SimulatorKnobs.Parse(text));

    [Fact]
    public void Header_knobs_override_the_defaults_one_by_one()
    {
        var k = SimulatorKnobs.Parse("tokens=9", SimulatorKnobs.Parse("tokens=3;eol=crlf"));
        Assert.Equal(9, k.Tokens);
        Assert.Equal("\r\n", k.Eol);
    }
}
