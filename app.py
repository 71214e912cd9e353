"""Placeholder until the app issue: python app.py"""
print("The app is not built yet.")
