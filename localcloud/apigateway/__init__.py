"""Amazon API Gateway, locally: the templates' REST APIs at http://127.0.0.1:3000/<service>/<path> (rest_api.py)."""
