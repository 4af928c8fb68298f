namespace Relay.Cli;

/// <summary>A usage error found after parsing (e.g. no prompt): exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
