TOKEN = "pyfpm-docker-test ok"
