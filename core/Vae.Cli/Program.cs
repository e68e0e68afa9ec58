// The `vae` command: parses arguments into option records and calls the core. No maths here.
using Vae.Core.Numerics;

return Cli.Run(args);

static class Cli
{
    public static int Run(string[] args)
    {
        string verb = args.Length > 0 ? args[0] : "help";
        switch (verb)
        {
            case "describe":
                // Resolves like a run would (options default to auto; VAE_BLAS / VAE_BLAS_THREADS apply) and verifies it.
                Console.WriteLine(BlasResolver.Create(new BlasOptions()).Describe());
                return 0;
            default:
                Console.WriteLine("usage: vae describe");
                return verb == "help" ? 0 : 2;
        }
    }
}
