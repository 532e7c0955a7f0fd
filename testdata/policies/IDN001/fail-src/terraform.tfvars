client_secret = "do-not-print-this-secret"
