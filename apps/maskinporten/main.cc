// maskinporten: the command-line face of maskinporten-cpp. One file per verb; this file only
// assembles them and turns CLI11's parse errors into our error format and exit code 2.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli_common.h"
#include "maskinporten/version.h"

int main(int argc, char** argv) {
  CLI::App app{"maskinporten " MASKINPORTEN_VERSION
               " - keys, JWTs, enterprise certificates and a local test CA for Maskinporten"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "maskinporten " MASKINPORTEN_VERSION);
  mp::cli::SetExamples(&app,
                       "  maskinporten demo\n"
                       "  maskinporten keygen --alg RS256 --out key.pem --jwk-out key.jwk.json\n"
                       "  maskinporten jwt decode eyJhbGciOi...\n"
                       "  maskinporten <verb> --help   (every verb has its own examples)\n");

  int exit_code = 0;
  mp::cli::AddKeygen(app, &exit_code);
  mp::cli::AddJwt(app, &exit_code);
  mp::cli::AddCert(app, &exit_code);
  mp::cli::AddCa(app, &exit_code);
  mp::cli::AddGrant(app, &exit_code);
  mp::cli::AddToken(app, &exit_code);
  mp::cli::AddInspect(app, &exit_code);
  mp::cli::AddServe(app, &exit_code);
  mp::cli::AddAgent(app, &exit_code);
  mp::cli::AddDemo(app, &exit_code);
  mp::cli::AddBench(app, &exit_code);
  mp::cli::AddAdmin(app, &exit_code);
  mp::cli::AddDoctor(app, &exit_code);
  mp::cli::AddExampleApi(app, &exit_code);
  mp::cli::AddConsent(app, &exit_code);
  mp::cli::AddValidate(app, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return mp::cli::UsageError(std::string(e.what()) + " (see 'maskinporten --help')");
  }
  return exit_code;
}
